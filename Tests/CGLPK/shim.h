// GLPK, the GNU Linear Programming Kit (Debian: libglpk-dev), for the tests' attacker audit only.
#include <glpk.h>
