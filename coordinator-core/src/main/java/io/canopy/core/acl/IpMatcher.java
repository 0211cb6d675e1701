package io.canopy.core.acl;

/**
 * ZooKeeper's IPAuthenticationProvider matching: an ACL id {@code addr} or {@code addr/bits} (IPv4 or IPv6)
 * matches a client address when both agree on the first {@code bits} bits. Addresses are parsed literally
 * (never resolved), so matching stays pure and deterministic.
 */
public final class IpMatcher {
    private IpMatcher() {
    }

    /** ZooKeeper's isValid: a literal address with an optional prefix length within range. */
    public static boolean isValid(String aclId) {
        if (aclId == null) {
            return false;
        }
        String[] parts = aclId.split("/", 2);
        byte[] addr = parse(parts[0]);
        return addr != null && (parts.length == 1 || bits(parts[1], addr.length) >= 0);
    }

    public static boolean matches(String clientAddress, String aclId) {
        if (clientAddress == null || aclId == null) {
            return false;
        }
        String[] parts = aclId.split("/", 2);
        byte[] acl = parse(parts[0]);
        if (acl == null) {
            return false;
        }
        int bits = parts.length == 2 ? bits(parts[1], acl.length) : acl.length * 8;
        byte[] client = parse(clientAddress);
        if (bits < 0 || client == null || client.length != acl.length) {
            return false;
        }
        mask(acl, bits);
        mask(client, bits);
        return java.util.Arrays.equals(acl, client);
    }

    private static int bits(String s, int addrLength) {
        try {
            int bits = Integer.parseInt(s);
            return bits < 0 || bits > addrLength * 8 ? -1 : bits;
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static void mask(byte[] b, int bits) {
        int start = bits / 8;
        int startMask = ~((1 << (8 - (bits % 8))) - 1);
        for (int i = start; i < b.length; i++) {
            b[i] &= (byte) startMask;
            startMask = 0;
        }
    }

    static byte[] parse(String addr) {
        if (addr == null || addr.isEmpty()) {
            return null;
        }
        return addr.indexOf(':') >= 0 ? parseV6(addr) : parseV4(addr);
    }

    private static byte[] parseV4(String addr) {
        String[] parts = addr.split("\\.", -1);
        if (parts.length != 4) {
            return null;
        }
        byte[] b = new byte[4];
        for (int i = 0; i < 4; i++) {
            if (parts[i].isEmpty() || parts[i].length() > 3 || !parts[i].chars().allMatch(Character::isDigit)) {
                return null;
            }
            int v = Integer.parseInt(parts[i]);
            if (v > 255) {
                return null;
            }
            b[i] = (byte) v;
        }
        return b;
    }

    /** RFC 4291 text forms: hex groups, one "::" elision, an optional trailing dotted IPv4; no zone ids. */
    private static byte[] parseV6(String addr) {
        if (!addr.chars().allMatch(c -> Character.digit(c, 16) >= 0 || c == ':' || c == '.')) {
            return null;
        }
        int elision = addr.indexOf("::");
        if (elision >= 0 && addr.indexOf("::", elision + 1) >= 0) {
            return null;
        }
        String head = elision >= 0 ? addr.substring(0, elision) : addr;
        String tail = elision >= 0 ? addr.substring(elision + 2) : "";
        byte[] h = groups(head, elision < 0 || tail.isEmpty());
        byte[] t = elision >= 0 ? groups(tail, true) : new byte[0];
        if (h == null || t == null) {
            return null;
        }
        int total = h.length + t.length;
        if (elision < 0 ? total != 16 : total > 14) {
            return null;
        }
        byte[] out = new byte[16];
        System.arraycopy(h, 0, out, 0, h.length);
        System.arraycopy(t, 0, out, 16 - t.length, t.length);
        return out;
    }

    private static byte[] groups(String s, boolean mayEndWithV4) {
        if (s.isEmpty()) {
            return new byte[0];
        }
        String[] parts = s.split(":", -1);
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (int i = 0; i < parts.length; i++) {
            String p = parts[i];
            if (p.indexOf('.') >= 0) {
                byte[] v4 = i == parts.length - 1 && mayEndWithV4 ? parseV4(p) : null;
                if (v4 == null) {
                    return null;
                }
                out.writeBytes(v4);
            } else {
                if (p.isEmpty() || p.length() > 4) {
                    return null;
                }
                int v = Integer.parseInt(p, 16);
                out.write(v >> 8);
                out.write(v & 0xff);
            }
        }
        return out.toByteArray();
    }
}
