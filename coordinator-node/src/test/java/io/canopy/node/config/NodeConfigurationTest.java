package io.canopy.node.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.canopy.node.replication.ReplicationSettings;

/** How {@code canopy.*} becomes the replication settings: the defaults that depend on the topology. */
class NodeConfigurationTest {
    @TempDir
    Path dir;

    private CanopyProperties properties(List<String> members) {
        CanopyProperties p = new CanopyProperties();
        p.setDataDir(dir);
        p.getCluster().setMembers(members);
        return p;
    }

    private static ReplicationSettings settings(CanopyProperties p) {
        return new NodeConfiguration().replicationSettings(p);
    }

    @Test
    void entriesInFlightDefaultToFourStandaloneAndOneInACluster() {
        assertThat(settings(properties(List.of())).maxInFlightBatches()).isEqualTo(4);
        assertThat(settings(properties(List.of("1=127.0.0.1:2181:9181", "2=127.0.0.1:2182:9182",
                "3=127.0.0.1:2183:9183"))).maxInFlightBatches()).isEqualTo(1);
    }

    @Test
    void aConfiguredNumberOfEntriesInFlightWinsAndMustBePositive() {
        CanopyProperties p = properties(List.of());
        p.getRaft().setMaxInFlightBatches(3);
        assertThat(settings(p).maxInFlightBatches()).isEqualTo(3);

        p.getRaft().setMaxInFlightBatches(0);
        assertThatThrownBy(() -> settings(p)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("canopy.raft.max-in-flight-batches");
    }
}
