package io.canopy.testcluster.linearizability;

import io.canopy.testcluster.history.Op;
import io.canopy.testcluster.history.Operation;
import io.canopy.testcluster.history.Result;
import io.canopy.testcluster.history.ZkError;

/**
 * An operation as the model sees it: values replaced by small ids (0 for a value no read ever returned, see
 * {@link PreparedKey}), the outcome reduced to "observed" or "uncertain".
 */
final class ModelOp {

    final Operation source;
    final Op.Type type;
    /** The id of the value written (0 = never read by anyone, so indistinguishable from other such values). */
    final int valueId;
    final int expectedVersion;
    /** INFO or PENDING: may be applied at any point after invocation, or never. */
    final boolean uncertain;
    /** For a checked refusal; null otherwise. */
    final ZkError error;
    /** For OK; null otherwise. */
    final Result.Kind resultKind;
    final int resultValueId;
    final int resultVersion;

    ModelOp(Operation source, int valueId, int resultValueId) {
        this.source = source;
        this.type = source.op().type();
        this.valueId = valueId;
        this.expectedVersion = source.op().expectedVersion();
        this.uncertain = source.isUncertain();
        this.error = source.error();
        Result r = source.result();
        this.resultKind = r == null ? null : r.kind();
        this.resultValueId = resultValueId;
        this.resultVersion = r == null ? -1 : r.version();
    }

    /** Writes a value when applied (the ops that can leave a ⊥ value in the state). */
    boolean setsValue() {
        return type == Op.Type.WRITE || type == Op.Type.CAS || type == Op.Type.CREATE;
    }

    @Override
    public String toString() {
        return source.toString();
    }
}
