package io.canopy.node.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import io.canopy.core.txn.Txn;
import io.canopy.protocol.OpCode;

class ProposalsTest {

    @Test
    void everyFailedProposalRunsItsFailureButOnlyOneASecondIsLogged() {
        MutableClock clock = new MutableClock(1_000_000);
        InMemoryTxnLog log = new InMemoryTxnLog(1, clock);
        log.failProposals(true);
        Proposals proposals = new Proposals(log, clock, 1);
        AtomicInteger failures = new AtomicInteger();
        for (int i = 0; i < 100; i++) {
            proposals.propose(txn(proposals), outcome -> { }, failures::incrementAndGet);
        }
        assertThat(failures).as("every waiter hears of its failure").hasValue(100);

        IOException error = new IOException("no quorum");
        assertThat(proposals.logFailure(txn(proposals), error)).as("within the second of the first").isFalse();
        clock.advance(Proposals.FAILURE_LOG_INTERVAL_MILLIS - 1);
        assertThat(proposals.logFailure(txn(proposals), error)).isFalse();
        clock.advance(1);
        assertThat(proposals.logFailure(txn(proposals), error)).as("a second later, with the count").isTrue();
        assertThat(proposals.logFailure(txn(proposals), error)).isFalse();
    }

    private static Txn txn(Proposals proposals) {
        return new Txn(0x42, 1, OpCode.CREATE, new byte[0], List.of(), 1, proposals.nextSeq());
    }
}
