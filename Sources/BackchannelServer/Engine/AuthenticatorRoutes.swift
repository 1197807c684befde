/// The configured authenticators, by name and by `acr`, in their configured order (the first is a client's default).
struct AuthenticatorRoutes: Sendable {
    /// In the configured order.
    let ordered: [AuthenticatorRoute]
    let byName: [String: AuthenticatorRoute]
    let byAcr: [String: AuthenticatorRoute]

    /// Checks that there is at least one, and that no name or `acr` is used twice.
    init(_ routes: [AuthenticatorRoute]) throws(EngineConfigurationError) {
        guard !routes.isEmpty else {
            throw EngineConfigurationError(field: "authenticators", reason: "at least one authenticator is required")
        }
        var byName: [String: AuthenticatorRoute] = [:]
        var byAcr: [String: AuthenticatorRoute] = [:]
        for (index, route) in routes.enumerated() {
            guard byName[route.instance.name] == nil else {
                throw EngineConfigurationError(field: "authenticators[\(index)].name", reason: "'\(route.instance.name)' is used twice")
            }
            guard byAcr[route.acr] == nil else {
                throw EngineConfigurationError(field: "authenticators[\(index)].acr", reason: "'\(route.acr)' is used twice")
            }
            byName[route.instance.name] = route
            byAcr[route.acr] = route
        }
        (self.ordered, self.byName, self.byAcr) = (routes, byName, byAcr)
    }

    /// The names, in the configured order.
    var names: [String] { ordered.map(\.instance.name) }
}
