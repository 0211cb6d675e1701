package io.canopy.testcluster.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NodeLogTest {

    @Test
    void logFilesAreNamedAfterTheLabelAndTheNode() {
        assertThat(NodeLog.pathFor("FailoverIT", 2).getFileName()).hasToString("FailoverIT-node2.log");
        assertThat(NodeLog.pathFor("Outer$Inner test", 1).getFileName()).hasToString("Outer_Inner_test-node1.log");
        assertThat(NodeLog.pathFor("x", 1)).isAbsolute();
        assertThatThrownBy(() -> NodeLog.pathFor(" ", 1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void markersAreAppendedAndTheTailShowsTheLastLines(@TempDir Path dir) throws Exception {
        Path log = dir.resolve("sub/T-node1.log");
        NodeLog.appendMarker(log, "starting node 1");
        Files.writeString(log, "output 1\noutput 2\n", java.nio.file.StandardOpenOption.APPEND);
        NodeLog.appendMarker(log, "starting node 1 again");

        assertThat(Files.readAllLines(log)).hasSize(4);
        assertThat(Files.readAllLines(log).get(0)).startsWith(NodeLog.MARKER).endsWith("starting node 1");
        assertThat(NodeLog.tail(log, 2)).startsWith("output 2").contains("starting node 1 again");
    }

    @Test
    void theTailOfALargeLogStartsAtAWholeLine(@TempDir Path dir) throws Exception {
        Path log = dir.resolve("big.log");
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 5000; i++) {
            sb.append("line ").append(i).append('\n');
        }
        Files.writeString(log, sb);

        String tail = NodeLog.tail(log, 10_000);
        assertThat(tail.lines().findFirst().orElseThrow()).matches("line \\d+");
        assertThat(tail).endsWith("line 4999");
        assertThat(NodeLog.tail(dir.resolve("missing.log"), 5)).contains("cannot read");
    }
}
