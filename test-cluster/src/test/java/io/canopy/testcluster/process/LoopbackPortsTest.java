package io.canopy.testcluster.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.HashSet;
import java.util.Set;

import org.junit.jupiter.api.Test;

class LoopbackPortsTest {

    @Test
    void oneInstanceNeverHandsOutAPortTwiceAndEachCanBeBound() throws Exception {
        LoopbackPorts ports = new LoopbackPorts();
        Set<Integer> seen = new HashSet<>();
        for (int i = 0; i < 50; i++) {
            assertThat(seen.add(ports.next("127.0.0.1"))).isTrue();
        }
        int port = ports.next("127.0.0.1");
        try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getByName("127.0.0.1"))) {
            assertThat(s.getLocalPort()).isEqualTo(port);
        }
    }

    @Test
    void portsComeFromBelowTheEphemeralRangeSoThatNoOutgoingConnectionCanTakeThemBeforeTheNodeBinds() {
        int ephemeralLow = LoopbackPorts.ephemeralLow();
        if (ephemeralLow - LoopbackPorts.LOWEST_PORT < 1_000) {
            return;   // a machine whose ephemeral range starts too low: freePort falls back to the kernel's choice
        }
        for (int i = 0; i < 20; i++) {
            assertThat(LoopbackPorts.freePort("127.0.0.1")).isBetween(LoopbackPorts.LOWEST_PORT, ephemeralLow - 1);
        }
    }

    @Test
    void nodeIGetsItsOwnLoopbackAddressWhereTheMachineAllowsIt() {
        String host = LoopbackPorts.hostForNode(3);

        assertThat(host).isIn("127.0.0.13", LoopbackPorts.DEFAULT_HOST);
        assertThat(host.equals("127.0.0.13")).isEqualTo(LoopbackPorts.canBind("127.0.0.13"));
        assertThatThrownBy(() -> LoopbackPorts.hostForNode(0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void onlyIpv4LoopbackAddressesAreUsed() {
        assertThatThrownBy(() -> LoopbackPorts.freePort("10.1.2.3"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("127.0.0.0/8");
        assertThatThrownBy(() -> LoopbackPorts.freePort("::1"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("127.0.0.0/8");
    }
}
