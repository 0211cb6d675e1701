package io.canopy.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PathValidatorTest {

    @ParameterizedTest
    @ValueSource(strings = {"/", "/a", "/a/b", "/a.b", "/.a", "/a..", "/...", "/zookeeper/config", "/a b", "/\u00e9"})
    void acceptsValidPaths(String path) {
        assertThat(PathValidator.isValid(path)).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "a", "/a/", "//", "/a//b", "/.", "/..", "/a/./b", "/a/../b", "/a\u0000b", "/a\u0001",
            "/\u007f", "/\u0085", "/\ud800", "/\uf8ff", "/\ufff0", "/\uffff"})
    void rejectsInvalidPaths(String path) {
        assertThat(PathValidator.isValid(path)).isFalse();
        assertThatThrownBy(() -> PathValidator.validate(path)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void nullIsInvalid() {
        assertThat(PathValidator.isValid(null)).isFalse();
    }

    @Test
    void sequentialAllowsTrailingSlash() {
        PathValidator.validate("/a/", true);
        PathValidator.validate("/", true);
        assertThatThrownBy(() -> PathValidator.validate("/a/", false)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> PathValidator.validate("/a//", true)).isInstanceOf(IllegalArgumentException.class);
    }
}
