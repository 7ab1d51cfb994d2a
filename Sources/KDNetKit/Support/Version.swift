public enum KDNetKitInfo {
    public static let version = "0.1.0"
}
