package io.canopy.core.acl;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

import org.apache.zookeeper.data.ClientInfo;
import org.apache.zookeeper.data.Id;

/**
 * The identities a connection holds, as ZooKeeper's authentication providers grant them: the connection's
 * {@code ip} id, and for {@code addauth digest user:password} the id {@code digest:user:base64(sha1(user:password))}
 * preceded by {@code super:} when it equals the configured super digest.
 */
public final class Authentication {
    public static final String WORLD = "world";
    public static final String ANYONE = "anyone";
    public static final String AUTH = "auth";
    public static final String DIGEST = "digest";
    public static final String IP = "ip";
    public static final String SUPER = "super";

    private Authentication() {
    }

    /** The id every connection gets from its remote address (ZooKeeper's IPAuthenticationProvider). */
    public static Id ipIdentity(String address) {
        return new Id(IP, address);
    }

    /**
     * The ids an auth packet grants. Unknown schemes (and "ip", which needs the connection) give an empty list:
     * the node answers AUTHFAILED.
     *
     * @param superDigest {@code "super:<base64>"} or null
     */
    public static List<Id> authenticate(String scheme, byte[] auth, String superDigest) {
        List<Id> ids = new ArrayList<>(2);
        if (DIGEST.equals(scheme) && auth != null) {
            String id = generateDigest(new String(auth, StandardCharsets.UTF_8));
            if (id.equals(superDigest)) {
                ids.add(new Id(SUPER, ""));
            }
            ids.add(new Id(DIGEST, id));
        }
        return ids;
    }

    /** {@code user:password} to {@code user:base64(sha1(user:password))}, as DigestAuthenticationProvider. */
    public static String generateDigest(String idPassword) {
        String user = idPassword.split(":", 2)[0];
        try {
            byte[] sha = MessageDigest.getInstance("SHA1").digest(idPassword.getBytes(StandardCharsets.UTF_8));
            return user + ":" + Base64.getEncoder().encodeToString(sha);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA1 is required by every JVM", e);
        }
    }

    /** whoAmI's view of the ids: scheme plus user name (digest: the user part; ip: the address; super: ""). */
    public static List<ClientInfo> clientInfos(List<Id> identities) {
        List<ClientInfo> infos = new ArrayList<>();
        for (Id id : identities) {
            String user = switch (String.valueOf(id.getScheme())) {
                case DIGEST -> id.getId() == null ? "" : id.getId().split(":")[0];
                case IP -> id.getId() == null ? "" : id.getId();
                default -> "";
            };
            infos.add(new ClientInfo(id.getScheme(), user));
        }
        return infos;
    }
}
