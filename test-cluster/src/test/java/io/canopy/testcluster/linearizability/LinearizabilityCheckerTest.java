package io.canopy.testcluster.linearizability;

import io.canopy.testcluster.Timeline;
import io.canopy.testcluster.history.History;
import io.canopy.testcluster.history.Op;
import io.canopy.testcluster.history.Result;
import io.canopy.testcluster.history.ZkError;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import static io.canopy.testcluster.history.Result.read;
import static io.canopy.testcluster.history.Result.version;
import static org.assertj.core.api.Assertions.assertThat;

/** Small hand-written histories whose verdict is known. Key "/k" starts as ("init", v0) unless noted. */
class LinearizabilityCheckerTest {

    private static final String K = "/k";
    private final LinearizabilityChecker checker =
            new LinearizabilityChecker().withInitialState(RegisterState.of("init", 0));

    private CheckResult check(Timeline t) {
        return checker.check(t.toHistory());
    }

    private void assertLinearizable(Timeline t) {
        CheckResult r = check(t);
        assertThat(r.verdict()).as(r.describe()).isEqualTo(Verdict.LINEARIZABLE);
    }

    private Violation assertViolation(Timeline t) {
        CheckResult r = check(t);
        assertThat(r.verdict()).as(r.describe()).isEqualTo(Verdict.NOT_LINEARIZABLE);
        assertThat(r.violations()).hasSize(1);
        return r.violations().get(0);
    }

    @Nested
    class Completed {

        @Test
        void emptyHistoryIsLinearizable() {
            assertThat(checker.check(new History()).isLinearizable()).isTrue();
        }

        @Test
        void sequentialWriteThenRead() {
            assertLinearizable(new Timeline()
                    .ok("c1", 0, 10, Op.write(K, "a"), version(1))
                    .ok("c2", 20, 30, Op.read(K), read("a", 1)));
        }

        @Test
        void staleReadAfterCompletedWriteIsAViolation() {
            Violation v = assertViolation(new Timeline()
                    .ok("c1", 0, 10, Op.write(K, "a"), version(1))
                    .ok("c2", 20, 30, Op.read(K), read("init", 0)));
            assertThat(v.blocked().op()).isEqualTo(Op.read(K));
            assertThat(v.state()).isEqualTo(RegisterState.of("a", 1));
            assertThat(v.linearizedBefore()).extracting(o -> o.op()).containsExactly(Op.write(K, "a"));
            assertThat(v.candidates()).hasSize(1);
            assertThat(v.candidates().get(0).why()).contains("(\"init\", v0)").contains("(\"a\", v1)");
            assertThat(v.opsInvolved()).hasSize(2);
        }

        @Test
        void lostWriteShownByAReadIsAViolation() {
            assertViolation(new Timeline()
                    .ok("c1", 0, 10, Op.write(K, "a"), version(1))
                    .ok("c2", 20, 30, Op.write(K, "b"), version(2))
                    .ok("c3", 40, 50, Op.read(K), read("a", 1)));
        }

        @Test
        void lostWriteShownByVersionsIsAViolation() {
            assertViolation(new Timeline()
                    .ok("c1", 0, 10, Op.write(K, "a"), version(1))
                    .ok("c2", 20, 30, Op.write(K, "b"), version(1)));
        }

        @Test
        void twoSuccessfulCasFromTheSameVersionAreAViolation() {
            Violation v = assertViolation(new Timeline()
                    .ok("c1", 0, 10, Op.cas(K, 0, "a"), version(1))
                    .ok("c2", 5, 15, Op.cas(K, 0, "b"), version(1)));
            assertThat(v.opsInvolved()).hasSize(2);
        }

        @Test
        void concurrentCasFromTheSameVersionWithOneBadVersionIsFine() {
            assertLinearizable(new Timeline()
                    .ok("c1", 0, 10, Op.cas(K, 0, "a"), version(1))
                    .fail("c2", 5, 15, Op.cas(K, 0, "b"), ZkError.BADVERSION)
                    .ok("c3", 20, 30, Op.read(K), read("a", 1)));
        }

        @Test
        void badVersionWhenTheVersionMatchedIsAViolation() {
            assertViolation(new Timeline()
                    .fail("c1", 0, 10, Op.cas(K, 0, "a"), ZkError.BADVERSION));
        }

        @Test
        void readOfAValueNeverWrittenIsAViolation() {
            Violation v = assertViolation(new Timeline()
                    .ok("c1", 0, 10, Op.write(K, "a"), version(1))
                    .ok("c2", 5, 30, Op.read(K), read("zzz", 1)));
            assertThat(v.blocked().op()).isEqualTo(Op.read(K));
        }

        @Test
        void concurrentOverlappingOpsThatAdmitAnOrderAreFine() {
            assertLinearizable(new Timeline()
                    .ok("c1", 0, 100, Op.write(K, "a"), version(1))
                    .ok("c2", 10, 20, Op.read(K), read("init", 0))
                    .ok("c3", 30, 40, Op.read(K), read("a", 1))
                    .ok("c2", 45, 200, Op.cas(K, 1, "b"), version(2))
                    .ok("c3", 50, 60, Op.read(K), read("a", 1))
                    .ok("c4", 150, 160, Op.read(K), read("b", 2))
                    .ok("c1", 210, 220, Op.read(K), read("b", 2)));
        }

        @Test
        void writesConcurrentWithEachOtherMayTakeEitherOrder() {
            assertLinearizable(new Timeline()
                    .ok("c1", 0, 100, Op.write(K, "a"), version(2))
                    .ok("c2", 10, 90, Op.write(K, "b"), version(1))
                    .ok("c3", 110, 120, Op.read(K), read("a", 2)));
        }

        @Test
        void readInversionIsAViolation() {
            // The write is concurrent with both reads, but once a read saw it, a later read must see it too.
            assertViolation(new Timeline()
                    .ok("c1", 0, 100, Op.write(K, "a"), version(1))
                    .ok("c2", 10, 20, Op.read(K), read("a", 1))
                    .ok("c3", 30, 40, Op.read(K), read("init", 0)));
        }

        @Test
        void plainFailureMeansItNeverHappened() {
            assertViolation(new Timeline()
                    .fail("c1", 0, 10, Op.write(K, "a"), null)
                    .ok("c2", 20, 30, Op.read(K), read("a", 1)));
        }

        @Test
        void writeWithoutObservedVersionAcceptsAnyNext() {
            assertLinearizable(new Timeline()
                    .ok("c1", 0, 10, Op.write(K, "a"), Result.done())
                    .ok("c2", 20, 30, Op.read(K), read("a", 1)));
        }
    }

    @Nested
    class UnknownOutcomes {

        @Test
        void infoWriteMayHaveHappened() {
            assertLinearizable(new Timeline()
                    .info("c1", 0, 10, Op.write(K, "a"))
                    .ok("c2", 20, 30, Op.read(K), read("a", 1)));
        }

        @Test
        void infoWriteMayNeverHappen() {
            assertLinearizable(new Timeline()
                    .info("c1", 0, 10, Op.write(K, "a"))
                    .ok("c2", 20, 30, Op.read(K), read("init", 0))
                    .ok("c2", 40, 50, Op.write(K, "b"), version(1)));
        }

        @Test
        void infoWriteMayTakeEffectLongAfterItsClientGaveUp() {
            assertLinearizable(new Timeline()
                    .info("c1", 0, 10, Op.write(K, "a"))
                    .ok("c2", 20, 30, Op.read(K), read("init", 0))
                    .ok("c2", 40, 50, Op.read(K), read("init", 0))
                    .ok("c3", 1000, 1010, Op.read(K), read("a", 1)));
        }

        @Test
        void infoWriteCannotBeUndone() {
            assertViolation(new Timeline()
                    .info("c1", 0, 10, Op.write(K, "a"))
                    .ok("c2", 20, 30, Op.read(K), read("a", 1))
                    .ok("c2", 40, 50, Op.read(K), read("init", 0)));
        }

        @Test
        void infoWriteCannotTakeEffectBeforeItsInvocation() {
            assertViolation(new Timeline()
                    .ok("c2", 0, 10, Op.read(K), read("a", 1))
                    .info("c1", 20, 30, Op.write(K, "a")));
        }

        @Test
        void versionsProveAnUnreadInfoWriteHappened() {
            assertLinearizable(new Timeline()
                    .info("c1", 0, 10, Op.write(K, "a"))
                    .info("c3", 0, 10, Op.write(K, "c"))
                    .ok("c2", 20, 30, Op.write(K, "b"), version(2))
                    .ok("c2", 40, 50, Op.read(K), read("b", 2)));
        }

        @Test
        void versionsCanAlsoRefuteUnknownWrites() {
            // Only one unknown write exists, so the version cannot have advanced by two.
            assertViolation(new Timeline()
                    .info("c1", 0, 10, Op.write(K, "a"))
                    .ok("c2", 20, 30, Op.write(K, "b"), version(3)));
        }

        @Test
        void infoCasAppliesOnlyOnItsVersion() {
            assertLinearizable(new Timeline()
                    .info("c1", 0, 10, Op.cas(K, 0, "a"))
                    .ok("c2", 20, 30, Op.read(K), read("a", 1)));
            assertViolation(new Timeline()
                    .info("c1", 0, 10, Op.cas(K, 7, "a"))
                    .ok("c2", 20, 30, Op.read(K), read("a", 1)));
        }

        @Test
        void pendingOpsAreUnknownOutcomes() {
            assertLinearizable(new Timeline()
                    .pending("c1", 0, Op.write(K, "a"))
                    .ok("c2", 20, 30, Op.read(K), read("a", 1)));
        }

        @Test
        void infoReadsAreIgnored() {
            assertLinearizable(new Timeline()
                    .info("c1", 0, 10, Op.read(K))
                    .ok("c2", 20, 30, Op.read(K), read("init", 0)));
        }

        @Test
        void manyInterchangeableInfoWritesStaySmall() {
            Timeline t = new Timeline();
            for (int i = 0; i < 60; i++) {
                t.info("c" + i, i, i + 5, Op.write(K, "lost" + i));
            }
            t.ok("r", 100, 110, Op.read(K), read("init", 0));
            t.ok("w", 120, 130, Op.write(K, "x"), version(31));
            t.ok("r", 140, 150, Op.read(K), read("x", 31));
            CheckResult r = checker.check(t.toHistory());
            assertThat(r.verdict()).as(r.describe()).isEqualTo(Verdict.LINEARIZABLE);
            assertThat(r.states()).isLessThan(10_000);
        }
    }

    @Nested
    class CreateAndDelete {

        private final LinearizabilityChecker fromAbsent = new LinearizabilityChecker();

        @Test
        void lifecycle() {
            CheckResult r = fromAbsent.check(new Timeline()
                    .ok("c1", 0, 10, Op.read(K), Result.absent())
                    .ok("c1", 20, 30, Op.create(K, "a"), version(0))
                    .fail("c2", 25, 35, Op.create(K, "b"), ZkError.NODEEXISTS)
                    .ok("c2", 40, 50, Op.write(K, "b"), version(1))
                    .fail("c1", 60, 70, Op.delete(K, 0), ZkError.BADVERSION)
                    .ok("c1", 80, 90, Op.delete(K, 1), Result.done())
                    .fail("c2", 100, 110, Op.read(K), ZkError.NONODE)
                    .ok("c2", 120, 130, Op.create(K, "c"), version(0))
                    .ok("c1", 140, 150, Op.read(K), read("c", 0))
                    .toHistory());
            assertThat(r.verdict()).as(r.describe()).isEqualTo(Verdict.LINEARIZABLE);
        }

        @Test
        void readingAbsentAfterCreateIsAViolation() {
            CheckResult r = fromAbsent.check(new Timeline()
                    .ok("c1", 0, 10, Op.create(K, "a"), version(0))
                    .ok("c2", 20, 30, Op.read(K), Result.absent())
                    .toHistory());
            assertThat(r.verdict()).as(r.describe()).isEqualTo(Verdict.NOT_LINEARIZABLE);
        }

        @Test
        void noNodeOnAnExistingNodeIsAViolation() {
            CheckResult r = fromAbsent.check(new Timeline()
                    .ok("c1", 0, 10, Op.create(K, "a"), version(0))
                    .fail("c2", 20, 30, Op.write(K, "b"), ZkError.NONODE)
                    .toHistory());
            assertThat(r.verdict()).as(r.describe()).isEqualTo(Verdict.NOT_LINEARIZABLE);
        }
    }

    @Nested
    class WholeHistories {

        @Test
        void keysAreJudgedSeparately() {
            CheckResult r = check(new Timeline()
                    .ok("c1", 0, 10, Op.write("/a", "x"), version(1))
                    .ok("c1", 20, 30, Op.read("/a"), read("x", 1))
                    .ok("c2", 0, 10, Op.write("/b", "y"), version(1))
                    .ok("c2", 20, 30, Op.read("/b"), read("init", 0)));
            assertThat(r.verdict()).isEqualTo(Verdict.NOT_LINEARIZABLE);
            assertThat(r.perKey().get("/a").verdict()).isEqualTo(Verdict.LINEARIZABLE);
            assertThat(r.perKey().get("/b").verdict()).isEqualTo(Verdict.NOT_LINEARIZABLE);
            assertThat(r.violations()).extracting(Violation::key).containsExactly("/b");
        }

        @Test
        void budgetExhaustionIsUnknownNotAnAnswer() {
            Timeline t = new Timeline();
            for (int i = 0; i < 12; i++) {
                t.ok("c" + i, i, 1000 + i, Op.write(K, "v" + i), Result.done());
            }
            t.ok("r", 2000, 2010, Op.read(K), read("nope", 12));
            CheckResult r = checker.withMaxStatesPerKey(50).check(t.toHistory());
            assertThat(r.verdict()).isEqualTo(Verdict.UNKNOWN);
            assertThat(r.perKey().get(K).note()).contains("state budget");
        }

        @Test
        void parallelCheckGivesTheSameVerdicts() {
            Timeline t = new Timeline();
            for (int k = 0; k < 4; k++) {
                t.ok("c1", 0, 10, Op.write("/k" + k, "x"), version(1));
                t.ok("c2", 20, 30, Op.read("/k" + k), k == 2 ? read("init", 0) : read("x", 1));
            }
            CheckResult r = checker.withParallelism(2).check(t.toHistory());
            assertThat(r.verdict()).isEqualTo(Verdict.NOT_LINEARIZABLE);
            assertThat(r.violations()).extracting(Violation::key).containsExactly("/k2");
        }
    }
}
