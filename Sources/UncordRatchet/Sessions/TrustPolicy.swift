public import UncordCrypto

/// Decides whether a peer device whose identity key differs from the pinned one may still be used.
///
/// The first key seen for a device is always pinned (trust on first use) and the same key is always accepted;
/// only a change reaches the policy. The engine supplies its own policy; ``TrustOnFirstUse`` is the default.
public protocol TrustPolicy: Sendable {
    /// Whether to accept `key` for `address` in place of `pinned`. Refusing makes the step fail with
    /// ``RatchetError/identityChanged(_:)`` and store nothing.
    func acceptsChange(of address: DeviceAddress, from pinned: PinnedIdentity, to key: X25519.PublicKey) -> Bool
    /// Whether `key`, seen for `address` whose user has no pin yet, may be pinned by this step (trust on first use).
    /// Refusing makes the step fail with ``RatchetError/foreignIdentityKey(_:)`` and store nothing: an engine that
    /// pins only from device lists (LINKED_DEVICES.md A2) refuses. By default every first key is accepted.
    func acceptsFirstUse(of address: DeviceAddress, key: X25519.PublicKey) -> Bool
}

extension TrustPolicy {
    public func acceptsFirstUse(of address: DeviceAddress, key: X25519.PublicKey) -> Bool { true }
}

/// Accepts only the key already pinned for the sender's user: a first key or a changed key fails the step with
/// ``RatchetError/foreignIdentityKey(_:)``. For an engine that decides pins from device lists alone
/// (LINKED_DEVICES.md A2) and never from a received message.
public struct PinnedKeysOnly: TrustPolicy {
    /// The policy.
    public init() {}

    public func acceptsChange(of address: DeviceAddress, from pinned: PinnedIdentity, to key: X25519.PublicKey) -> Bool
    {
        false
    }

    public func acceptsFirstUse(of address: DeviceAddress, key: X25519.PublicKey) -> Bool { false }
}

/// Trust on first use, as PROTOCOL.md section 8 sets it: a changed key of a verified device is refused; a changed
/// key of an unverified device is accepted with a warning (``ChangeHandling/warn``, the default) or refused
/// (``ChangeHandling/block``).
///
/// ```swift
/// let cipher = SessionCipher(trustPolicy: TrustOnFirstUse(unverifiedChanges: .block))
/// ```
public struct TrustOnFirstUse: TrustPolicy {
    /// What to do when the key of a device that was never verified changes.
    public enum ChangeHandling: Sendable, Hashable {
        /// Accept the new key and report ``TrustNotice/identityChanged(_:previous:current:)``.
        case warn
        /// Refuse it with ``RatchetError/identityChanged(_:)``.
        case block
    }

    /// The handling of changed keys of devices that were never verified.
    public var unverifiedChanges: ChangeHandling

    /// The policy, warning on changes of unverified devices unless told otherwise.
    public init(unverifiedChanges: ChangeHandling = .warn) {
        self.unverifiedChanges = unverifiedChanges
    }

    public func acceptsChange(of address: DeviceAddress, from pinned: PinnedIdentity, to key: X25519.PublicKey) -> Bool
    {
        switch pinned.level {
        case .verified: false
        case .unverified, .changed: unverifiedChanges == .warn
        }
    }
}
