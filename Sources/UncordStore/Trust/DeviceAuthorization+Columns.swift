import UncordRatchet

extension DeviceAuthorization.State {
    /// The verdict as `device_authorizations` stores it: `state` is `authorized` or `refused`, and `reason` the
    /// refusal's ``DeviceAuthorization/Reason`` raw value (NULL when authorized). The one spelling both ways.
    var columns: (state: String, reason: String?) {
        switch self {
        case .authorized: ("authorized", nil)
        case .refused(let reason): ("refused", reason.rawValue)
        }
    }

    /// The verdict stored as `state` and `reason`; nil for any other pair (a store written by something else).
    init?(state: String, reason: String?) {
        switch (state, reason) {
        case ("authorized", nil): self = .authorized
        case ("refused", let text?):
            guard let reason = DeviceAuthorization.Reason(rawValue: text) else { return nil }
            self = .refused(reason)
        default: return nil
        }
    }
}
