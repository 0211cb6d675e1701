package io.canopy.core.acl;

import java.util.List;

import org.apache.zookeeper.data.ACL;
import org.apache.zookeeper.data.Id;

import io.canopy.core.CoreSettings;

/**
 * ZooKeeper's ZooKeeperServer.checkACL: access is granted when ACLs are skipped or empty, when the caller holds
 * a super id (or a digest id equal to the configured super digest), or when some ACL entry carrying one of the
 * requested permission bits names world:anyone or an id the caller holds (digest: equal; ip: address match).
 */
public final class AclChecker {
    private AclChecker() {
    }

    public static boolean isSuper(List<Id> identities, CoreSettings settings) {
        for (Id id : identities) {
            if (Authentication.SUPER.equals(id.getScheme())) {
                return true;
            }
            if (settings.superDigest() != null && Authentication.DIGEST.equals(id.getScheme())
                    && settings.superDigest().equals(id.getId())) {
                return true;
            }
        }
        return false;
    }

    /** True when any permission bit in {@code perm} is granted. */
    public static boolean allowed(List<ACL> acl, int perm, List<Id> identities, CoreSettings settings) {
        if (settings.skipAcl() || acl == null || acl.isEmpty() || isSuper(identities, settings)) {
            return true;
        }
        for (ACL a : acl) {
            if ((a.getPerms() & perm) == 0 || a.getId() == null) {
                continue;
            }
            Id id = a.getId();
            if (Authentication.WORLD.equals(id.getScheme()) && Authentication.ANYONE.equals(id.getId())) {
                return true;
            }
            for (Id mine : identities) {
                if (matches(id, mine)) {
                    return true;
                }
            }
        }
        return false;
    }

    private static boolean matches(Id aclId, Id mine) {
        if (aclId.getScheme() == null || !aclId.getScheme().equals(mine.getScheme())) {
            return false;
        }
        return switch (aclId.getScheme()) {
            case Authentication.DIGEST -> aclId.getId() != null && aclId.getId().equals(mine.getId());
            case Authentication.IP -> IpMatcher.matches(mine.getId(), aclId.getId());
            default -> false;
        };
    }
}
