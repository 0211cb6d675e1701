package io.canopy.protocol;

/**
 * ZooKeeper's path rules ({@code PathUtils.validatePath}): absolute, no empty segments, no trailing slash, no
 * "." or ".." segments, no control or private-use characters. Kept byte-for-byte equivalent so that Canopy
 * rejects exactly the paths ZooKeeper rejects (BADARGUMENTS) and accepts everything else.
 */
public final class PathValidator {
    private PathValidator() {
    }

    /** @throws IllegalArgumentException with ZooKeeper's reason when the path is not valid */
    public static void validate(String path) {
        String reason = reason(path);
        if (reason != null) {
            throw new IllegalArgumentException(reason);
        }
    }

    /**
     * Sequential creates get a 10-digit suffix appended by the server, so a trailing '/' is legal there: the
     * path is checked as if the suffix were already present.
     */
    public static void validate(String path, boolean sequential) {
        validate(sequential && path != null ? path + "1" : path);
    }

    public static boolean isValid(String path) {
        return reason(path) == null;
    }

    /** The reason the path is invalid, or null when it is valid. */
    public static String reason(String path) {
        if (path == null) {
            return "Path cannot be null";
        }
        if (path.isEmpty()) {
            return "Path length must be > 0";
        }
        if (path.charAt(0) != '/') {
            return "Path must start with / character";
        }
        if (path.length() == 1) {
            return null;
        }
        if (path.charAt(path.length() - 1) == '/') {
            return "Path must not end with / character";
        }
        char last = '/';
        for (int i = 1; i < path.length(); last = path.charAt(i), i++) {
            char c = path.charAt(i);
            String bad = badChar(path, i, c, last);
            if (bad != null) {
                return "Invalid path string \"" + path + "\" caused by " + bad + " @" + i;
            }
        }
        return null;
    }

    private static String badChar(String path, int i, char c, char last) {
        boolean segmentEnds = i + 1 == path.length() || path.charAt(i + 1) == '/';
        if (c == 0) {
            return "null character not allowed";
        } else if (c == '/' && last == '/') {
            return "empty node name specified";
        } else if (c == '.' && last == '.') {
            if (path.charAt(i - 2) == '/' && segmentEnds) {
                return "relative paths not allowed";
            }
        } else if (c == '.') {
            if (path.charAt(i - 1) == '/' && segmentEnds) {
                return "relative paths not allowed";
            }
        } else if (c > '\u0000' && c <= '\u001f' || c >= '\u007f' && c <= '\u009F'
                || c >= '\ud800' && c <= '\uf8ff' || c >= '\ufff0') {
            return "invalid character";
        }
        return null;
    }
}
