/// The CIBA grant type (CIBA Core §10.1).
enum CIBAGrant {
    static let grantType = ClientConfiguration.cibaGrantType
}
