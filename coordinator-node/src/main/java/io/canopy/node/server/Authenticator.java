package io.canopy.node.server;

import java.util.List;

import org.apache.zookeeper.data.Id;

import io.canopy.core.acl.Authentication;

/**
 * The authentication schemes a client can add with {@code addAuthInfo}, with ZooKeeper's default providers'
 * semantics: {@code digest} (the core's helper: id {@code user:base64(sha1(user:password))}, plus {@code super}
 * when it equals the operator's super digest) and {@code ip} (the connection's own address, whatever the client
 * sends). Any other scheme fails, as in a ZooKeeper without extra providers. Identities are node-local
 * connection state; writes carry a copy of them into the log.
 */
final class Authenticator {
    private final String superDigest;

    Authenticator(String superDigest) {
        this.superDigest = superDigest;
    }

    /** The identities the credentials prove, or null when the scheme is unknown or the credentials invalid. */
    List<Id> authenticate(String scheme, byte[] auth, String remoteIp) {
        if (Authentication.IP.equals(scheme)) {
            return List.of(Authentication.ipIdentity(remoteIp));
        }
        if (scheme == null || auth == null) {
            return null;
        }
        List<Id> ids = Authentication.authenticate(scheme, auth, superDigest);
        return ids == null || ids.isEmpty() ? null : ids;
    }
}
