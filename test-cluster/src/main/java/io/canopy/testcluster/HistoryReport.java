package io.canopy.testcluster;

import io.canopy.testcluster.history.History;
import io.canopy.testcluster.history.HistoryJson;
import io.canopy.testcluster.history.Op;
import io.canopy.testcluster.history.Operation;
import io.canopy.testcluster.history.Outcome;

import io.canopy.testcluster.linearizability.CheckResult;
import io.canopy.testcluster.linearizability.KeyVerdict;

import java.nio.file.Path;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * A short human-readable summary of a history and its verdict (for test logs and failure messages), and
 * its dump as JSON lines for post-mortems.
 */
public final class HistoryReport {

    private HistoryReport() {
    }

    /** The summary of a history without a verdict. */
    public static String summary(List<Operation> ops) {
        return summary(ops, null);
    }

    /**
     * One line for the whole history, one per key (operations by type and by outcome, and the key's
     * verdict if {@code result} is given), then the explanation of each violation.
     */
    public static String summary(List<Operation> ops, CheckResult result) {
        Set<String> clients = new HashSet<>();
        long first = Long.MAX_VALUE;
        long last = Long.MIN_VALUE;
        for (Operation o : ops) {
            clients.add(o.clientId());
            first = Math.min(first, o.invokeNanos());
            last = Math.max(last, Math.max(o.invokeNanos(), o.completeNanos()));
        }
        Map<String, List<Operation>> byKey = new TreeMap<>(History.groupByKey(ops));
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "history: %d ops, %d clients, %d keys, over %.3f s%n", ops.size(),
                clients.size(), byKey.size(), ops.isEmpty() ? 0.0 : (last - first) / 1e9));
        sb.append(String.format(Locale.ROOT, "  %-24s %6s %6s %6s %6s %6s | %6s %6s %6s %6s  %s%n", "key", "read",
                "write", "cas", "create", "delete", "ok", "fail", "info", "open", "verdict"));
        byKey.forEach((key, keyOps) -> sb.append(keyLine(key, keyOps, result)));
        if (result != null) {
            sb.append("verdict: ").append(result.verdict()).append(String.format(Locale.ROOT,
                    " (%d states, %d ms)%n", result.states(), result.elapsedNanos() / 1_000_000));
            result.violations().forEach(v -> sb.append(v.describe()));
        }
        return sb.toString();
    }

    private static String keyLine(String key, List<Operation> ops, CheckResult result) {
        Map<Op.Type, Integer> types = new EnumMap<>(Op.Type.class);
        Map<Outcome, Integer> outcomes = new EnumMap<>(Outcome.class);
        for (Operation o : ops) {
            types.merge(o.op().type(), 1, Integer::sum);
            outcomes.merge(o.outcome(), 1, Integer::sum);
        }
        KeyVerdict verdict = result == null ? null : result.perKey().get(key);
        String v = verdict == null ? "" : verdict.verdict() + (verdict.note() == null ? "" : " (" + verdict.note() + ")");
        return String.format(Locale.ROOT, "  %-24s %6d %6d %6d %6d %6d | %6d %6d %6d %6d  %s%n", key,
                types.getOrDefault(Op.Type.READ, 0), types.getOrDefault(Op.Type.WRITE, 0),
                types.getOrDefault(Op.Type.CAS, 0), types.getOrDefault(Op.Type.CREATE, 0),
                types.getOrDefault(Op.Type.DELETE, 0), outcomes.getOrDefault(Outcome.OK, 0),
                outcomes.getOrDefault(Outcome.FAIL, 0), outcomes.getOrDefault(Outcome.INFO, 0),
                outcomes.getOrDefault(Outcome.PENDING, 0), v);
    }

    /** Writes the history as JSON lines ({@link HistoryJson}) for post-mortems. */
    public static void writeJsonLines(History history, Path file) {
        HistoryJson.write(history.operations(), file);
    }

    /** Writes the operations as JSON lines ({@link HistoryJson}) for post-mortems. */
    public static void writeJsonLines(List<Operation> ops, Path file) {
        HistoryJson.write(ops, file);
    }
}
