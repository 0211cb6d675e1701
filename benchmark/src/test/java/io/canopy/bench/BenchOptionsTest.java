package io.canopy.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import io.canopy.bench.BenchOptions.Workload;

class BenchOptionsTest {

    @Test
    void defaultsMeasureEveryWorkloadOnTheDefaultPort() {
        BenchOptions options = BenchOptions.parse(new String[0]);

        assertThat(options.connect()).isEqualTo("127.0.0.1:2181");
        assertThat(options.workloads()).containsExactly(Workload.values());
        assertThat(options.sessions()).isEqualTo(32);
        assertThat(options.outstanding()).isEqualTo(100);
        assertThat(options.duration()).isEqualTo(Duration.ofSeconds(20));
        assertThat(options.out()).isNull();
    }

    @Test
    void parsesBothOptionForms() {
        BenchOptions options = BenchOptions.parse(new String[] {"--connect=127.0.0.1:2281", "--workload",
            "getData,create", "--duration", "1500ms", "--warmup=2", "--label", "zk-3.9", "--out", "r.csv"});

        assertThat(options.connect()).isEqualTo("127.0.0.1:2281");
        assertThat(options.workloads()).containsExactly(Workload.GET_DATA, Workload.CREATE);
        assertThat(options.duration()).isEqualTo(Duration.ofMillis(1500));
        assertThat(options.warmup()).isEqualTo(Duration.ofSeconds(2));
        assertThat(options.label()).isEqualTo("zk-3.9");
        assertThat(options.out()).hasFileName("r.csv");
    }

    @Test
    void durationsAcceptMinutesAndFractions() {
        assertThat(BenchOptions.duration("2m")).isEqualTo(Duration.ofMinutes(2));
        assertThat(BenchOptions.duration("0.5s")).isEqualTo(Duration.ofMillis(500));
    }

    @Test
    void rejectsWhatItDoesNotUnderstand() {
        assertThatThrownBy(() -> BenchOptions.parse(new String[] {"--sesions", "3"}))
                .hasMessageContaining("sesions");
        assertThatThrownBy(() -> BenchOptions.parse(new String[] {"--workload", "delete"}))
                .hasMessageContaining("delete");
        assertThatThrownBy(() -> BenchOptions.parse(new String[] {"--sessions", "0"}))
                .hasMessageContaining("> 0");
        assertThatThrownBy(() -> BenchOptions.parse(new String[] {"--label", "a,b"}))
                .hasMessageContaining("label");
        assertThatThrownBy(() -> BenchOptions.parse(new String[] {"--duration", "soon"}))
                .hasMessageContaining("soon");
    }
}
