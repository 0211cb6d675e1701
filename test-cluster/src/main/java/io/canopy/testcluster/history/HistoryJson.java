package io.canopy.testcluster.history;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Histories as JSON lines, one flat object per operation, so a failed run can be kept, read back and
 * re-checked (or fed to other tools). Hand-rolled to keep the module free of dependencies; the reader only
 * understands what the writer produces (flat objects of strings, integers and nulls).
 *
 * <pre>{"id":3,"client":"c1","key":"/k","type":"cas","value":"v7","expectedVersion":2,"invoke":100,
 * "complete":250,"outcome":"ok","result":"version","resultValue":null,"resultVersion":3,"error":null}</pre>
 */
public final class HistoryJson {

    private HistoryJson() {
    }

    /** Writes the operations to a file (UTF-8), wrapping I/O errors for callers in test code. */
    public static void write(List<Operation> ops, Path file) {
        try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            write(ops, w);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Reads a file written by {@link #write(List, Path)}. */
    public static List<Operation> read(Path file) {
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            return read(r);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Writes one line per operation. */
    public static void write(List<Operation> ops, Writer out) throws IOException {
        for (Operation o : ops) {
            out.write(toLine(o));
            out.write('\n');
        }
        out.flush();
    }

    /** One operation as a JSON object on one line. */
    public static String toLine(Operation o) {
        Result r = o.result();
        StringBuilder sb = new StringBuilder(160).append('{');
        field(sb, "id", o.id());
        field(sb, "client", o.clientId());
        field(sb, "key", o.key());
        field(sb, "type", lower(o.op().type()));
        field(sb, "value", o.op().value());
        field(sb, "expectedVersion", o.op().expectedVersion());
        field(sb, "invoke", o.invokeNanos());
        field(sb, "complete", o.completeNanos());
        field(sb, "outcome", lower(o.outcome()));
        field(sb, "result", r == null ? null : lower(r.kind()));
        field(sb, "resultValue", r == null ? null : r.value());
        field(sb, "resultVersion", r == null ? -1 : r.version());
        field(sb, "error", o.error() == null ? null : o.error().name());
        sb.setLength(sb.length() - 1);
        return sb.append('}').toString();
    }

    /** Reads what {@link #write} wrote; blank lines are skipped. */
    public static List<Operation> read(Reader in) throws IOException {
        BufferedReader reader = in instanceof BufferedReader ? (BufferedReader) in : new BufferedReader(in);
        List<Operation> ops = new ArrayList<>();
        String line;
        int number = 0;
        while ((line = reader.readLine()) != null) {
            number++;
            if (!line.isBlank()) {
                try {
                    ops.add(fromLine(line));
                } catch (RuntimeException e) {
                    throw new IOException("line " + number + ": " + e.getMessage(), e);
                }
            }
        }
        return ops;
    }

    /** Parses one line written by {@link #toLine}. */
    public static Operation fromLine(String line) {
        Map<String, String> f = new FlatObjectParser(line).parse();
        Op op = new Op(Op.Type.valueOf(upper(f.get("type"))), f.get("key"), f.get("value"),
                Integer.parseInt(f.get("expectedVersion")));
        String resultKind = f.get("result");
        Result result = resultKind == null ? null
                : new Result(Result.Kind.valueOf(upper(resultKind)), f.get("resultValue"),
                        Integer.parseInt(f.get("resultVersion")));
        String error = f.get("error");
        return new Operation(Long.parseLong(f.get("id")), f.get("client"), op, Long.parseLong(f.get("invoke")),
                Long.parseLong(f.get("complete")), Outcome.valueOf(upper(f.get("outcome"))), result,
                error == null ? null : ZkError.valueOf(error));
    }

    private static String lower(Enum<?> e) {
        return e.name().toLowerCase(Locale.ROOT);
    }

    private static String upper(String s) {
        if (s == null) {
            throw new IllegalArgumentException("missing field");
        }
        return s.toUpperCase(Locale.ROOT);
    }

    private static void field(StringBuilder sb, String name, long value) {
        sb.append('"').append(name).append("\":").append(value).append(',');
    }

    private static void field(StringBuilder sb, String name, String value) {
        sb.append('"').append(name).append("\":");
        if (value == null) {
            sb.append("null");
        } else {
            quote(sb, value);
        }
        sb.append(',');
    }

    static void quote(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"':
                    sb.append("\\\"");
                    break;
                case '\\':
                    sb.append("\\\\");
                    break;
                case '\n':
                    sb.append("\\n");
                    break;
                case '\r':
                    sb.append("\\r");
                    break;
                case '\t':
                    sb.append("\\t");
                    break;
                default:
                    if (c < 0x20) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
            }
        }
        sb.append('"');
    }

    /** Reads {"name":value,...} where values are strings, integers or null; values come back as strings. */
    private static final class FlatObjectParser {
        private final String s;
        private int pos;

        FlatObjectParser(String s) {
            this.s = s.trim();
        }

        Map<String, String> parse() {
            Map<String, String> out = new HashMap<>();
            expect('{');
            if (peek() == '}') {
                return out;
            }
            do {
                String name = string();
                expect(':');
                out.put(name, value());
            } while (take() == ',');
            if (s.charAt(pos - 1) != '}' || pos != s.length()) {
                throw new IllegalArgumentException("bad object end at " + pos);
            }
            return out;
        }

        private String value() {
            char c = peek();
            if (c == '"') {
                return string();
            }
            int start = pos;
            while (pos < s.length() && s.charAt(pos) != ',' && s.charAt(pos) != '}') {
                pos++;
            }
            String token = s.substring(start, pos).trim();
            if (token.equals("null")) {
                return null;
            }
            Long.parseLong(token);
            return token;
        }

        private String string() {
            expect('"');
            StringBuilder sb = new StringBuilder();
            while (true) {
                char c = s.charAt(pos++);
                if (c == '"') {
                    return sb.toString();
                }
                if (c != '\\') {
                    sb.append(c);
                    continue;
                }
                char e = s.charAt(pos++);
                switch (e) {
                    case 'n': sb.append('\n'); break;
                    case 'r': sb.append('\r'); break;
                    case 't': sb.append('\t'); break;
                    case 'b': sb.append('\b'); break;
                    case 'f': sb.append('\f'); break;
                    case 'u':
                        sb.append((char) Integer.parseInt(s.substring(pos, pos + 4), 16));
                        pos += 4;
                        break;
                    default: sb.append(e);
                }
            }
        }

        private char peek() {
            if (pos >= s.length()) {
                throw new IllegalArgumentException("unexpected end");
            }
            return s.charAt(pos);
        }

        private char take() {
            char c = peek();
            pos++;
            return c;
        }

        private void expect(char c) {
            if (take() != c) {
                throw new IllegalArgumentException("expected '" + c + "' at " + (pos - 1));
            }
        }
    }

}
