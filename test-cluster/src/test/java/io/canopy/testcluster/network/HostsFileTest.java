package io.canopy.testcluster.network;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HostsFileTest {

    @Test
    void rendersOneLinePerNameAfterTheComment() {
        HostsFile file = new HostsFile().map("localhost", "127.0.0.1").map("canopy-node-2", "127.0.1.12");

        assertThat(file.render("for node 1\nsecond line")).isEqualTo("""
                # for node 1
                # second line
                127.0.0.1 localhost
                127.0.1.12 canopy-node-2
                """);
    }

    @Test
    void mapsLocalhostAndThisMachinesNameToLoopback() {
        HostsFile file = HostsFile.withLocalNames();

        assertThat(file.mappings()).containsEntry("localhost", "127.0.0.1");
        HostsFile.machineHostName().ifPresent(name -> assertThat(file.mappings()).containsEntry(name, "127.0.0.1"));
    }

    @Test
    void rejectsWhatIsNotANameOrAnAddress() {
        assertThatThrownBy(() -> new HostsFile().map("two names", "127.0.0.1"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new HostsFile().map("node", "canopy-node-1"))
                .isInstanceOf(IllegalArgumentException.class);
    }

    /**
     * The premise of the partitionable cluster, checked on the JDK that runs the tests: a JVM started with the
     * option resolves names from the file only (an unknown name fails without asking DNS), and
     * {@code getLocalHost()} works.
     */
    @Test
    void aJvmStartedWithTheOptionResolvesNamesFromTheFileOnly(@TempDir Path dir) throws Exception {
        Path hosts = HostsFile.withLocalNames().map("canopy-node-2", "127.0.1.12")
                .write(dir.resolve("node1.hosts"), "test");
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process process = new ProcessBuilder(java.toString(), HostsFile.jvmOption(hosts),
                "-cp", System.getProperty("java.class.path"), ResolveMain.class.getName(),
                "canopy-node-2", "localhost", "canopy-node-3", "example.com")
                .redirectErrorStream(true).start();
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        List<String> lines = List.of(new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8)
                .split("\\R"));

        assertThat(lines).contains("canopy-node-2=127.0.1.12", "localhost=127.0.0.1",
                "canopy-node-3=unknown", "example.com=unknown", "getLocalHost=127.0.0.1");
        assertThat(Files.readString(hosts)).startsWith("# test");
    }
}
