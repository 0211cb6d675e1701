package io.canopy.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;

class CompareReportTest {

    private static final String HEADER = ResultSink.CSV_HEADER;

    @Test
    void ratioIsCandidateOverBaselineAndTheLastRowOfALabelWins() {
        List<String> csv = List.of(HEADER,
                "t,zookeeper,getData,ops,32,100,1024,10.000,1,999.0,9.000,9.000,9.000,9.000,0,ok",
                "t,zookeeper,getData,ops,32,100,1024,10.000,1,1000.0,2.000,4.000,8.000,9.000,0,ok",
                "t,canopy,getData,ops,32,100,1024,10.000,1,1500.0,1.000,4.000,16.000,20.000,0,ok");

        String table = CompareReport.render(csv, "zookeeper", "canopy", "ZooKeeper", "Canopy");

        assertThat(table).contains("| Workload | Metric | ZooKeeper | Canopy | Canopy / ZooKeeper |")
                .contains("| getData | throughput (ops/s) | 1,000 | 1,500 | 1.50 |")
                .contains("| getData | p50 latency (ms) | 2.00 | 1.00 | 0.50 |")
                .contains("| getData | p99.9 latency (ms) | 8.00 | 16.00 | 2.00 |");
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
