import Foundation

/// Finds free loopback TCP ports.
enum PortProbe {
    /// A port the kernel says is free right now on 127.0.0.1.
    static func freePort() throws -> Int {
        guard let port = bind(0) else {
            throw LocalClusterError(code: .startFailed, message: "could not find a free TCP port on 127.0.0.1")
        }
        return port
    }

    /// Whether `port` can be bound on 127.0.0.1.
    static func isFree(_ port: Int) -> Bool { bind(port) != nil }

    /// Binds a TCP socket to 127.0.0.1:`port` and returns the bound port, or nil.
    private static func bind(_ port: Int) -> Int? {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else { return nil }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard named == 0 else { return nil }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
