package io.canopy.node.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;

import org.apache.zookeeper.data.ClientInfo;
import org.apache.zookeeper.data.Id;
import org.apache.zookeeper.server.auth.DigestAuthenticationProvider;
import org.junit.jupiter.api.Test;

import io.canopy.core.acl.Authentication;

class AuthenticatorTest {

    @Test
    void digestMatchesZooKeepers() throws Exception {
        assertThat(Authentication.generateDigest("alice:secret"))
                .isEqualTo(DigestAuthenticationProvider.generateDigest("alice:secret"));
        assertThat(Authentication.generateDigest("nocolon")).isEqualTo(DigestAuthenticationProvider.generateDigest("nocolon"));
    }

    @Test
    void digestAuthAddsSuperForTheOperatorsDigest() throws Exception {
        String superDigest = DigestAuthenticationProvider.generateDigest("super:admin");
        Authenticator auth = new Authenticator(superDigest);
        assertThat(auth.authenticate("digest", "super:admin".getBytes(StandardCharsets.UTF_8), "127.0.0.1"))
                .containsExactlyInAnyOrder(new Id("digest", superDigest), new Id("super", ""));
        assertThat(auth.authenticate("digest", "bob:pw".getBytes(StandardCharsets.UTF_8), "127.0.0.1"))
                .containsExactly(new Id("digest", Authentication.generateDigest("bob:pw")));
    }

    @Test
    void ipUsesTheConnectionAddressAndUnknownSchemesFail() {
        Authenticator auth = new Authenticator(null);
        assertThat(auth.authenticate("ip", "10.0.0.1".getBytes(StandardCharsets.UTF_8), "127.0.0.1"))
                .containsExactly(new Id("ip", "127.0.0.1"));
        assertThat(auth.authenticate("sasl", new byte[0], "127.0.0.1")).isNull();
        assertThat(auth.authenticate("world", new byte[0], "127.0.0.1")).isNull();
        assertThat(auth.authenticate("digest", null, "127.0.0.1")).isNull();
    }

    @Test
    void whoAmIShowsUserNamesNotHashes() {
        List<ClientInfo> infos = Authentication.clientInfos(List.of(new Id("ip", "127.0.0.1"),
                new Id("digest", Authentication.generateDigest("alice:pw"))));
        assertThat(infos).extracting(ClientInfo::getAuthScheme, ClientInfo::getUser)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("ip", "127.0.0.1"),
                        org.assertj.core.groups.Tuple.tuple("digest", "alice"));
    }
}
