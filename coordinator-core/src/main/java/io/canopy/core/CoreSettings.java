package io.canopy.core;

/**
 * Settings that affect apply and must be identical on every replica.
 *
 * @param superDigest an operator's super-user digest id, {@code "super:<base64 sha1>"} as ZooKeeper's
 *                    {@code zookeeper.DigestAuthenticationProvider.superDigest}; null for none
 * @param skipAcl     skip every ACL check (ZooKeeper's {@code zookeeper.skipACL}); for tests and emergencies
 */
public record CoreSettings(String superDigest, boolean skipAcl) {
    public static CoreSettings defaults() {
        return new CoreSettings(null, false);
    }
}
