package io.canopy.testcluster.process;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.canopy.testcluster.process.Convergence.Report;

class ConvergenceTest {

    private static Report report(int id, String zxid, String digest) {
        return new Report(id, zxid, digest);
    }

    @Test
    void equalZxidsAndDigestsConverge() {
        Convergence c = Convergence.of(List.of(report(1, "0x2a", "ab12"), report(3, "0x2a", "ab12")));

        assertThat(c).isNotNull();
        assertThat(c.lastZxid()).isEqualTo(42);
        assertThat(c.treeDigest()).isEqualTo("ab12");
        assertThat(c.digestCompared()).isTrue();
        assertThat(c.nodeIds()).containsExactly(1, 3);
    }

    @Test
    void aDifferentZxidOrDigestOrAMissingAnswerIsNotConvergence() {
        assertThat(Convergence.of(List.of(report(1, "0x2a", "ab12"), report(2, "0x29", "ab12")))).isNull();
        assertThat(Convergence.of(List.of(report(1, "0x2a", "ab12"), report(2, "0x2a", "ff00")))).isNull();
        assertThat(Convergence.of(List.of(report(1, "0x2a", "ab12"), Report.of(2, Map.of())))).isNull();
        assertThat(Convergence.of(List.of())).isNull();
    }

    @Test
    void withoutDigestsOnlyZxidsAreComparedAndTheResultSaysSo() {
        Convergence c = Convergence.of(List.of(
                Report.of(1, Map.of("zk_last_zxid", "0x10")),
                Report.of(2, Map.of("zk_last_zxid", "0x10", "canopy_tree_digest", "ab12"))));

        assertThat(c).isNotNull();
        assertThat(c.digestCompared()).isFalse();
        assertThat(c.toString()).contains("compared zxids only");
    }

    @Test
    void theFailureDescriptionNamesEveryNode() {
        String text = Convergence.describe(List.of(report(1, "0x2a", "ab12"), report(2, null, null)));

        assertThat(text).contains("node 1: zxid 0x2a, digest ab12").contains("node 2: no answer");
        assertThat(Convergence.describe(List.of())).isEqualTo("no live node");
    }

    @Test
    void zxidsParseAsPrintedByMntrOrAsDecimals() {
        assertThat(Convergence.parseZxid("0x100000002")).isEqualTo(0x1_0000_0002L);
        assertThat(Convergence.parseZxid("17")).isEqualTo(17);
    }
}
