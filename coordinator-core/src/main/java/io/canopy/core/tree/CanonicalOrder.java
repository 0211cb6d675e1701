package io.canopy.core.tree;

import java.util.Comparator;

/**
 * Orders paths as {@link DataTree#forEachInOrder} visits them: depth-first pre-order with each node's children
 * in {@link String#compareTo} order. That is the lexicographic order of the paths' component lists, an ancestor
 * before its descendants. Plain string order differs because '/' is not the smallest character: "/a-b" sorts
 * before "/a/c" as strings, yet "/a" and its subtree come first in the tree. Lets a snapshot sort a flat capture
 * instead of walking the live tree, with no allocation per comparison.
 */
public final class CanonicalOrder implements Comparator<String> {
    public static final CanonicalOrder INSTANCE = new CanonicalOrder();

    private CanonicalOrder() {
    }

    @Override
    public int compare(String a, String b) {
        int n = Math.min(a.length(), b.length());
        for (int i = 0; i < n; i++) {
            char ca = a.charAt(i);
            char cb = b.charAt(i);
            if (ca != cb) {
                if (ca == '/') {
                    return -1; // a's component ended first: a proper prefix of b's component sorts first
                }
                if (cb == '/') {
                    return 1;
                }
                return ca - cb;
            }
        }
        // One is a prefix of the other: an ancestor, or a component that is a prefix of the other's one.
        return a.length() - b.length();
    }
}
