package io.canopy.node.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.ZooDefs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.Yaml;

import io.canopy.node.cluster.ClusterClients.Client;
import io.canopy.testcluster.Timing;
import io.canopy.testcluster.network.HostsFile;

/**
 * The repository's {@code docker-compose.yml} and {@code Dockerfile}, run without Docker (no Docker engine runs
 * on our machines): every {@code canopyN} service of the compose file becomes a node process started with exactly
 * that service's environment (merged from the file's YAML anchors) and the Dockerfile's ENTRYPOINT arguments.
 * Each service's host name resolves, through the JVM's hosts file, to an address of its own (127.0.0.2N), as the
 * compose network gives each container its own; the only arguments added are that bind address (a container
 * binds all interfaces of its own) and a data folder in place of the volume. The three nodes must form a cluster
 * from the compose file's member list alone, and take and replicate a write, so that a change to either file that
 * breaks the cluster (a wrong variable name, a member list that does not match the services, a port) fails here.
 */
class DockerComposeConfigIT {
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

    @TempDir
    Path work;

    @Test
    void theComposeServicesFormAClusterFromTheirOwnEnvironment() throws Exception {
        Map<String, Map<String, String>> services = canopyServices(ROOT.resolve("docker-compose.yml"));
        assertThat(services).as("canopy services in docker-compose.yml").hasSize(3);
        List<String> entrypointArgs = entrypointArguments(ROOT.resolve("Dockerfile"));
        assertThat(entrypointArgs).as("Dockerfile ENTRYPOINT").contains("-jar").anyMatch(a -> a.startsWith(
                "--canopy.data-dir="));

        HostsFile names = HostsFile.withLocalNames();
        Map<String, String> addressOf = new LinkedHashMap<>();
        int n = 0;
        for (String service : services.keySet()) {
            String address = "127.0.0." + (21 + n++);
            addressOf.put(service, address);
            names.map(service, address);
        }
        Path hosts = names.write(work.resolve("hosts"), "the compose services' names, one address each");

        List<Process> nodes = new ArrayList<>();
        try {
            for (Map.Entry<String, Map<String, String>> s : services.entrySet()) {
                nodes.add(start(s.getKey(), s.getValue(), entrypointArgs, addressOf.get(s.getKey()), hosts));
            }
            String connect = String.join(",", addressOf.values().stream().map(a -> a + ":2181").toList());
            await().atMost(Timing.seconds(120)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
                List<String> modes = new ArrayList<>();
                for (String address : addressOf.values()) {
                    modes.add(mode(address));
                }
                assertThat(modes).as("srvr Mode of the three services").containsOnlyOnce("leader")
                        .containsOnly("leader", "follower");
            });
            try (Client client = ClusterClients.connect(connect, 20_000)) {
                client.zk.create("/compose", "up".getBytes(StandardCharsets.UTF_8), ZooDefs.Ids.OPEN_ACL_UNSAFE,
                        CreateMode.PERSISTENT);
            }
            for (String address : addressOf.values()) {
                try (Client client = ClusterClients.connect(address + ":2181", 20_000)) {
                    assertThat(client.syncedGet("/compose")).as("the write, read on %s", address)
                            .isEqualTo("up".getBytes(StandardCharsets.UTF_8));
                }
            }
        } finally {
            for (Process p : nodes) {
                p.destroyForcibly();
            }
            for (Process p : nodes) {
                p.waitFor();
            }
        }
    }

    /** The canopyN services and their environment, anchors and merge keys resolved. */
    @SuppressWarnings("unchecked")
    private static Map<String, Map<String, String>> canopyServices(Path composeFile) throws IOException {
        Map<String, Object> compose;
        try (InputStream in = Files.newInputStream(composeFile)) {
            compose = new Yaml().load(in);
        }
        Map<String, Object> services = (Map<String, Object>) compose.get("services");
        Map<String, Map<String, String>> result = new LinkedHashMap<>();
        for (Map.Entry<String, Object> s : services.entrySet()) {
            if (!s.getKey().matches("canopy\\d+")) {
                continue;
            }
            Map<String, Object> env = (Map<String, Object>) ((Map<String, Object>) s.getValue()).get("environment");
            Map<String, String> strings = new LinkedHashMap<>();
            env.forEach((k, v) -> strings.put(k, String.valueOf(v)));
            result.put(s.getKey(), strings);
        }
        return result;
    }

    /** The arguments of the Dockerfile's exec-form ENTRYPOINT (which may span lines ending in a backslash). */
    private static List<String> entrypointArguments(Path dockerfile) throws IOException {
        String text = Files.readString(dockerfile).replaceAll("\\\\\\s*\\n", " ");
        Matcher m = Pattern.compile("(?m)^ENTRYPOINT\\s*\\[(.*)]\\s*$").matcher(text);
        assertThat(m.find()).as("an exec-form ENTRYPOINT in %s", dockerfile).isTrue();
        List<String> args = new ArrayList<>();
        Matcher quoted = Pattern.compile("\"([^\"]*)\"").matcher(m.group(1));
        while (quoted.find()) {
            args.add(quoted.group(1));
        }
        return args;
    }

    private Process start(String service, Map<String, String> env, List<String> entrypoint, String address,
                          Path hosts) throws IOException {
        List<String> command = new ArrayList<>();
        Path jar = Path.of(System.getProperty("canopy.node.jar", "target/canopy-node.jar")).toAbsolutePath();
        Path data = work.resolve(service + "-data");
        for (String arg : entrypoint) {
            if (arg.equals("java")) {
                command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
                command.add("-D" + HostsFile.PROPERTY + "=" + hosts);
            } else if (arg.endsWith("canopy-node.jar")) {
                command.add(jar.toString());
            } else if (arg.startsWith("--canopy.data-dir=")) {
                command.add("--canopy.data-dir=" + data);   // the volume
            } else {
                command.add(arg);
            }
        }
        // A container binds every interface of its own; here each service binds its own loopback address.
        command.addAll(List.of("--canopy.client-address=" + address, "--canopy.peer-address=" + address,
                "--server.address=" + address));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(
                        Path.of("target", "it-logs", "DockerComposeConfigIT-" + service + ".log").toFile()));
        Files.createDirectories(Path.of("target", "it-logs"));
        pb.environment().putAll(env);
        return pb.start();
    }

    private static String mode(String address) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(address, 2181), 2000);
            socket.setSoTimeout(2000);
            OutputStream out = socket.getOutputStream();
            out.write("srvr".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
            Matcher m = Pattern.compile("Mode: (\\S+)").matcher(answer);
            return m.find() ? m.group(1) : "no mode";
        } catch (IOException e) {
            return "no answer";
        }
    }
}
