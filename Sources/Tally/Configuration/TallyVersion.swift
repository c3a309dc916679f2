/// The version `tally --version` prints; raised with each release.
public enum TallyVersion {
    public static let current = "0.14.0"
}
