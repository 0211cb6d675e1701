package io.canopy.core.acl;

import java.util.ArrayList;
import java.util.List;

import org.apache.zookeeper.data.ACL;
import org.apache.zookeeper.data.Id;

/**
 * ZooKeeper's PrepRequestProcessor.fixupACL: drops duplicates, rejects empty lists and unknown or malformed ids,
 * and expands {@code auth} entries into the caller's authenticated (digest) ids.
 */
public final class AclFixup {
    private AclFixup() {
    }

    /** The stored ACL, or null when ZooKeeper would answer INVALIDACL. */
    public static List<ACL> fixup(List<ACL> acls, List<Id> identities) {
        if (acls == null) {
            return null;
        }
        List<ACL> unique = new ArrayList<>(acls.size());
        for (ACL a : acls) {
            if (!unique.contains(a)) {
                unique.add(a);
            }
        }
        if (unique.isEmpty()) {
            return null;
        }
        List<ACL> out = new ArrayList<>(unique.size());
        for (ACL a : unique) {
            Id id = a == null ? null : a.getId();
            if (id == null || id.getScheme() == null) {
                return null;
            }
            if (Authentication.WORLD.equals(id.getScheme()) && Authentication.ANYONE.equals(id.getId())) {
                out.add(a);
            } else if (Authentication.AUTH.equals(id.getScheme())) {
                boolean any = false;
                for (Id mine : identities) {
                    if (Authentication.DIGEST.equals(mine.getScheme())) {
                        out.add(new ACL(a.getPerms(), new Id(mine.getScheme(), mine.getId())));
                        any = true;
                    }
                }
                if (!any) {
                    return null;
                }
            } else if (isValid(id)) {
                out.add(a);
            } else {
                return null;
            }
        }
        return out;
    }

    private static boolean isValid(Id id) {
        if (id.getId() == null) {
            return false;
        }
        return switch (id.getScheme()) {
            case Authentication.DIGEST -> id.getId().split(":").length == 2;
            case Authentication.IP -> IpMatcher.isValid(id.getId());
            default -> false;
        };
    }
}
