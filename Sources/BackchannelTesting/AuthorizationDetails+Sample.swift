import BackchannelCore

extension AuthorizationDetails {
    /// A payment as the server hands it to an authenticator: RFC 9396's example (§2), validated, with the
    /// summary the demo server's `payment_initiation` type renders. For a plugin's tests of what it shows.
    public static let samplePayment = AuthorizationDetails([
        AuthorizationDetail(
            type: "payment_initiation",
            fields: [
                "type": .string("payment_initiation"),
                "instructedAmount": .object(["currency": .string("EUR"), "amount": .string("123.50")]),
                "creditorName": .string("Merchant A"),
                "creditorAccount": .object(["iban": .string("DE02100100109307118603")]),
            ],
            summary: "Transfer 123.50 EUR to Merchant A (DE02100100109307118603)")
    ])
}
