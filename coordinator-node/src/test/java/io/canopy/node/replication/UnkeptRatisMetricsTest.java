package io.canopy.node.replication;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.ratis.metrics.MetricRegistries;
import org.apache.ratis.metrics.MetricRegistryInfo;
import org.apache.ratis.metrics.RatisMetricRegistry;
import org.junit.jupiter.api.Test;

/** Ratis finds Canopy's metrics service, and its registries hand out metrics that do nothing. */
class UnkeptRatisMetricsTest {

    @Test
    void ratisLoadsCanopysMetricsServiceAndNoOther() {
        assertThat(MetricRegistries.global()).isInstanceOf(UnkeptRatisMetrics.class);
    }

    @Test
    void registriesAreKeptByInfoAndTheirMetricsDoNothing() {
        UnkeptRatisMetrics metrics = new UnkeptRatisMetrics();
        MetricRegistryInfo info = new MetricRegistryInfo("n1@group", "ratis", "server", "test");
        RatisMetricRegistry registry = metrics.create(info);
        assertThat(metrics.create(new MetricRegistryInfo("n1@group", "ratis", "server", "test"))).isSameAs(registry);
        assertThat(metrics.get(info)).containsSame(registry);
        assertThat(registry.getMetricRegistryInfo()).isEqualTo(info);
        assertThat(metrics.getMetricRegistryInfos()).containsExactly(info);

        registry.timer("append").time().stop();
        registry.counter("requests").inc();
        registry.gauge("commitIndex", () -> () -> 7L);
        assertThat(registry.counter("requests").getCount()).isZero();

        assertThat(metrics.remove(info)).isTrue();
        assertThat(metrics.get(info)).isEmpty();
        assertThat(metrics.getMetricRegistries()).isEmpty();
    }
}
