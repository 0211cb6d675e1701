package io.canopy.node.replication;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.Supplier;

import org.apache.ratis.metrics.LongCounter;
import org.apache.ratis.metrics.MetricRegistries;
import org.apache.ratis.metrics.MetricRegistryInfo;
import org.apache.ratis.metrics.RatisMetricRegistry;
import org.apache.ratis.metrics.Timekeeper;
import org.apache.ratis.util.TimeDuration;

/**
 * Ratis's metrics, not kept: the {@link MetricRegistries} service Ratis loads (named in
 * {@code META-INF/services}), in place of {@code ratis-metrics-default}, whose Dropwizard timers Ratis updates
 * on every append, reply and apply (about 2 % of a node's CPU under session churn on 3 nodes, measured) and which
 * Canopy never reads or reports: what operators see comes from Canopy's own counters ({@code mntr}, {@code srvr},
 * the HTTP API). Ratis uses its metrics only to report them; timers, counters and gauges here do nothing. To have
 * them back (say, for Ratis's JMX reporter), replace this service with {@code ratis-metrics-default}.
 */
public final class UnkeptRatisMetrics extends MetricRegistries {
    private static final Timekeeper.Context STOPPED = () -> 0L;
    private static final Timekeeper TIMER = () -> STOPPED;
    private static final LongCounter COUNTER = new LongCounter() {
        @Override
        public void inc(long n) {
        }

        @Override
        public void dec(long n) {
        }

        @Override
        public long getCount() {
            return 0;
        }
    };

    private final Map<MetricRegistryInfo, RatisMetricRegistry> registries = new ConcurrentHashMap<>();

    /** Instantiated by Ratis through {@link java.util.ServiceLoader}. */
    public UnkeptRatisMetrics() {
    }

    @Override
    public void clear() {
        registries.clear();
    }

    @Override
    public RatisMetricRegistry create(MetricRegistryInfo info) {
        return registries.computeIfAbsent(info, Registry::new);
    }

    @Override
    public boolean remove(MetricRegistryInfo info) {
        return registries.remove(info) != null;
    }

    @Override
    public Optional<RatisMetricRegistry> get(MetricRegistryInfo info) {
        return Optional.ofNullable(registries.get(info));
    }

    @Override
    public Set<MetricRegistryInfo> getMetricRegistryInfos() {
        return Set.copyOf(registries.keySet());
    }

    @Override
    public Collection<RatisMetricRegistry> getMetricRegistries() {
        return List.copyOf(registries.values());
    }

    @Override
    public void addReporterRegistration(Consumer<RatisMetricRegistry> reporterRegistration,
                                        Consumer<RatisMetricRegistry> stopReporter) {
        // nothing is reported
    }

    @Override
    public void enableJmxReporter() {
        // nothing is reported
    }

    @Override
    public void enableConsoleReporter(TimeDuration consoleReportRate) {
        // nothing is reported
    }

    /** A registry whose metrics do nothing. */
    private record Registry(MetricRegistryInfo info) implements RatisMetricRegistry {
        @Override
        public Timekeeper timer(String name) {
            return TIMER;
        }

        @Override
        public LongCounter counter(String name) {
            return COUNTER;
        }

        @Override
        public boolean remove(String name) {
            return false;
        }

        @Override
        public <T> void gauge(String name, Supplier<Supplier<T>> gaugeSupplier) {
            // not kept
        }

        @Override
        public MetricRegistryInfo getMetricRegistryInfo() {
            return info;
        }
    }
}
