package io.canopy.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;

class CompareReportTest {

    private static final String HEADER = ResultSink.CSV_HEADER;

    @Test
    void ratioIsCandidateOverBaseline() {
        List<String> csv = List.of(HEADER,
                "t,zookeeper,getData,ops,32,100,1024,10.000,1,1000.0,2.000,4.000,8.000,9.000,0,ok",
                "t,canopy,getData,ops,32,100,1024,10.000,1,1500.0,1.000,4.000,16.000,20.000,0,ok");

        String table = CompareReport.render(csv, "zookeeper", "canopy", "ZooKeeper", "Canopy");

        assertThat(table).contains("| Workload | Metric | ZooKeeper | Canopy | Canopy / ZooKeeper |\n")
                .contains("| getData | throughput (ops/s) | 1,000 | 1,500 | 1.50 |\n")
                .contains("| getData | p50 latency (ms) | 2.00 | 1.00 | 0.50 |\n")
                .contains("| getData | p99.9 latency (ms) | 8.00 | 16.00 | 2.00 |\n")
                .doesNotContain("median");
    }

    @Test
    void roundsOfARepeatedRunAreMediansWithEveryRoundsRatioBeside() {
        List<String> csv = List.of(HEADER,
                "t,zookeeper,churn,sessions,8,100,1024,10.000,1,600.0,3.000,15.000,30.000,40.000,0,ok",
                "t,canopy,churn,sessions,8,100,1024,10.000,1,570.0,6.000,21.000,31.000,40.000,0,ok",
                "t,canopy,churn,sessions,8,100,1024,10.000,1,612.0,4.000,15.000,30.000,40.000,0,ok",
                "t,zookeeper,churn,sessions,8,100,1024,10.000,1,580.0,4.000,20.000,30.000,40.000,0,ok",
                "t,zookeeper,churn,sessions,8,100,1024,10.000,0,0.0,0,0,0,0,0,failed: IOException gone",
                "t,canopy,churn,sessions,8,100,1024,10.000,1,590.0,5.000,16.000,30.000,40.000,0,ok");

        String table = CompareReport.render(csv, "zookeeper", "canopy", "ZooKeeper", "Canopy");

        // ZooKeeper's median leaves its failed third round out: (600 + 580) / 2.
        assertThat(table)
                .contains("| Workload | Metric | ZooKeeper (median) | Canopy (median) | Canopy / ZooKeeper | per round |")
                .contains("| churn | throughput (sessions/s) | 590 | 590 | 1.00 | 0.95, 1.06, n/a |\n")
                .contains("| churn | p99 latency (ms) | 17.50 | 16.00 | 0.91 | 1.40, 0.75, n/a |\n")
                .contains("Medians of 3 rounds")
                .contains("- ZooKeeper churn: failed: IOException gone");
    }

    @Test
    void missingOrFailedSidesHaveNoRatioAndAreExplained() {
        List<String> csv = List.of(HEADER,
                "t,zookeeper,watch,events,100,100,1024,10.000,1,500.0,2.000,4.000,8.000,9.000,0,ok",
                "t,canopy,watch,events,100,100,1024,10.000,0,0.0,0,0,0,0,0,failed: IOException no session",
                "t,zookeeper,churn,sessions,8,100,1024,10.000,1,300.0,2.000,4.000,8.000,9.000,3,completed with errors");

        String table = CompareReport.render(csv, "zookeeper", "canopy", "ZooKeeper", "Canopy");

        assertThat(table).contains("| watch | throughput (events/s) | 500 | failed | n/a |")
                .contains("| churn | throughput (sessions/s) | 300 | n/a | n/a |")
                .contains("- Canopy watch: failed: IOException no session")
                .contains("- ZooKeeper churn: completed with errors (errors: 3)");
    }

    @Test
    void statusesCannotBreakTheCsv() {
        assertThat(ResultSink.sanitize("a, \"b\"\nc")).isEqualTo("a b c");
    }
}
