package io.canopy.core.tree;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * The text ZooKeeper keeps in a quota's {@code zookeeper_limits} and {@code zookeeper_stats} nodes (its
 * {@code StatsTrack}): {@code key=value} pairs separated by ',' or ';', such as the 3.9 client's
 * {@code count=-1,bytes=-1=;byteHardLimit=-1;countHardLimit=10} or the legacy {@code count=10,bytes=-1}. A key that
 * is absent reads as -1 (no limit). Written back as ZooKeeper writes it: count and bytes first, then, if there are
 * other keys, {@code =} and {@code ;key=value} for each in sorted order.
 * <p>
 * Parsing is lenient where ZooKeeper's throws (a pair without a value, a value that is not a number: that pair is
 * skipped): the text is client data that apply must never fail on. Immutable.
 */
public final class QuotaStats {
    public static final String COUNT = "count";
    public static final String BYTES = "bytes";
    public static final String COUNT_HARD_LIMIT = "countHardLimit";
    public static final String BYTE_HARD_LIMIT = "byteHardLimit";

    private static final Pattern PAIRS = Pattern.compile("[,;]+");

    private final TreeMap<String, Long> values;

    private QuotaStats(TreeMap<String, Long> values) {
        this.values = values;
    }

    /** The statistics of a subtree: {@code count=<count>,bytes=<bytes>}, nothing else. */
    public static QuotaStats of(long count, long bytes) {
        TreeMap<String, Long> v = new TreeMap<>();
        v.put(COUNT, count);
        v.put(BYTES, bytes);
        return new QuotaStats(v);
    }

    /** Reads a node's data (null or empty: every key absent). */
    public static QuotaStats parse(byte[] data) {
        TreeMap<String, Long> v = new TreeMap<>();
        if (data == null || data.length == 0) {
            return new QuotaStats(v);
        }
        for (String pair : PAIRS.split(new String(data, StandardCharsets.UTF_8))) {
            String[] kv = pair.split("=");
            if (kv.length < 2) {
                continue;
            }
            try {
                v.put(kv[0], kv[1].isEmpty() ? -1L : Long.parseLong(kv[1]));
            } catch (NumberFormatException e) {
                // skipped: ZooKeeper would fail the whole request (or its apply thread) here
            }
        }
        return new QuotaStats(v);
    }

    /** The value of {@code key}, -1 if absent. */
    public long get(String key) {
        Long value = values.get(key);
        return value == null ? -1 : value;
    }

    public long count() {
        return get(COUNT);
    }

    public long bytes() {
        return get(BYTES);
    }

    public long countHardLimit() {
        return get(COUNT_HARD_LIMIT);
    }

    public long byteHardLimit() {
        return get(BYTE_HARD_LIMIT);
    }

    /** A copy with {@code key} set to {@code value}. */
    public QuotaStats with(String key, long value) {
        TreeMap<String, Long> v = new TreeMap<>(values);
        v.put(key, value);
        return new QuotaStats(v);
    }

    public byte[] toBytes() {
        return toString().getBytes(StandardCharsets.UTF_8);
    }

    /** ZooKeeper's StatsTrack text, byte for byte. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder().append(COUNT).append('=').append(count()).append(',')
                .append(BYTES).append('=').append(bytes());
        boolean first = true;
        for (Map.Entry<String, Long> e : values.entrySet()) {
            if (COUNT.equals(e.getKey()) || BYTES.equals(e.getKey())) {
                continue;
            }
            if (first) {
                sb.append('=');
                first = false;
            }
            sb.append(';').append(e.getKey()).append('=').append(e.getValue());
        }
        return sb.toString();
    }
}
