package io.canopy.core;

import io.canopy.protocol.ErrorCode;

/**
 * Internal control flow for a ZooKeeper error while applying or reading: thrown by the op handlers and always
 * caught inside this package, where it becomes an outcome's error code. Never escapes {@link CoordinatorState}.
 */
final class ZkError extends RuntimeException {
    private static final long serialVersionUID = 1L;
    final ErrorCode code;

    ZkError(ErrorCode code) {
        super(code.name(), null, false, false);
        this.code = code;
    }

    static ZkError of(ErrorCode code) {
        return new ZkError(code);
    }
}
