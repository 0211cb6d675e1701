package io.canopy.testcluster.history;

import io.canopy.testcluster.RegisterSimulation;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class HistoryJsonTest {

    @Test
    void oneFlatObjectPerLine() {
        Operation o = new Operation(3, "c1", Op.cas("/k", 2, "v7"), 100, 250, Outcome.OK, Result.version(3), null);
        assertThat(HistoryJson.toLine(o)).isEqualTo("{\"id\":3,\"client\":\"c1\",\"key\":\"/k\",\"type\":\"cas\","
                + "\"value\":\"v7\",\"expectedVersion\":2,\"invoke\":100,\"complete\":250,\"outcome\":\"ok\","
                + "\"result\":\"version\",\"resultValue\":null,\"resultVersion\":3,\"error\":null}");
    }

    @Test
    void awkwardStringsSurviveTheRoundTrip() {
        String nasty = "q\"b\\s\n\r\t\u0001é,}{:";
        Operation o = new Operation(0, nasty, Op.write("/k" + nasty, nasty), 1, 2, Outcome.OK, Result.done(), null);
        Operation read = new Operation(1, "c", Op.read("/k"), 1, 2, Outcome.OK, Result.read(nasty, 4), null);
        assertThat(HistoryJson.fromLine(HistoryJson.toLine(o))).isEqualTo(o);
        assertThat(HistoryJson.fromLine(HistoryJson.toLine(read))).isEqualTo(read);
    }

    @Test
    void aSimulatedHistoryRoundTrips(@TempDir Path dir) throws IOException {
        History history = RegisterSimulation.run(new RegisterSimulation.Config(3, 2, 300, 20, 0.1, true),
                new Random(1)).toHistory();
        history.invoke("late", Op.read("/k0"));
        List<Operation> ops = history.operations();

        StringWriter out = new StringWriter();
        HistoryJson.write(ops, out);
        assertThat(HistoryJson.read(new StringReader(out.toString()))).isEqualTo(ops);

        Path file = dir.resolve("history.jsonl");
        HistoryJson.write(ops, file);
        assertThat(HistoryJson.read(file)).isEqualTo(ops);
    }

    @Test
    void badLinesAreReportedWithTheirNumber() {
        assertThatThrownBy(() -> HistoryJson.read(new StringReader("\n{\"id\":1,")))
                .isInstanceOf(IOException.class).hasMessageStartingWith("line 2");
    }
}
