package io.canopy.testcluster.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What needs no node jar: misuse is reported clearly, and data can be wiped. */
class NodeProcessTest {

    @Test
    void withoutTheExecutableJarLaunchingSaysWhereItLooked(@TempDir Path dir) {
        String previous = System.getProperty("canopy.node.jar");
        System.setProperty("canopy.node.jar", dir.resolve("absent.jar").toString());
        try {
            NodeProcess node = NodeProcess.standalone("NodeProcessTest", dir.resolve("data"));
            assertThatThrownBy(node::launch).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("absent.jar").hasMessageContaining("canopy.node.jar");
            assertThat(node.isAlive()).isFalse();
        } finally {
            if (previous == null) {
                System.clearProperty("canopy.node.jar");
            } else {
                System.setProperty("canopy.node.jar", previous);
            }
        }
    }

    @Test
    void signalsNeedAStartedProcess(@TempDir Path dir) {
        NodeProcess node = NodeProcess.standalone("NodeProcessTest", dir);

        assertThatThrownBy(node::kill9).hasMessageContaining("never started");
        assertThatThrownBy(node::pause).hasMessageContaining("never started");
        assertThatThrownBy(node::stop).hasMessageContaining("never started");
        assertThat(node.mode()).isNull();
        assertThat(node.mntr()).isEmpty();
        node.close();
    }

    @Test
    void wipeDataDeletesTheFolderOfAStoppedNode(@TempDir Path dir) throws Exception {
        Path data = dir.resolve("node1");
        Files.createDirectories(data.resolve("raft/group"));
        Files.writeString(data.resolve("raft/group/log"), "entries");
        NodeProcess node = NodeProcess.standalone("NodeProcessTest", data);

        node.wipeData();

        assertThat(data).doesNotExist();
    }
}
