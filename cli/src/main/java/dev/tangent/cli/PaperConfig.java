package dev.tangent.cli;

import dev.tangent.TangentException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Paper A's run configuration files ({@code config/svm_sgd.yaml}, {@code svm_gene.yaml}): two-level YAML of scalar
 * values ({@code section:} then indented {@code key: value}), read into dotted keys such as {@code train_net.lr}.
 * Only this subset of YAML is accepted; anything else is a one-line error naming file and line.
 */
final class PaperConfig {
    private final Path file;
    private final Map<String, String> values;

    private PaperConfig(Path file, Map<String, String> values) {
        this.file = file;
        this.values = values;
    }

    static PaperConfig read(Path file) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file);
        } catch (IOException e) {
            throw new TangentException("--config " + file + ": cannot read: " + e.getMessage(), e);
        }
        Map<String, String> v = new LinkedHashMap<>();
        String section = null;
        for (int i = 0; i < lines.size(); i++) {
            String raw = lines.get(i);
            int hash = raw.indexOf('#');
            String line = (hash >= 0 ? raw.substring(0, hash) : raw).stripTrailing();
            if (line.isBlank()) {
                continue;
            }
            boolean indented = Character.isWhitespace(line.charAt(0));
            String t = line.strip();
            int colon = t.indexOf(':');
            if (colon <= 0) {
                throw new TangentException("--config " + file + ":" + (i + 1) + ": expected 'key: value', found '" + t + "'");
            }
            String key = t.substring(0, colon).strip();
            String value = t.substring(colon + 1).strip();
            if (!indented) {
                if (value.isEmpty()) {
                    section = key;
                } else {
                    section = null;
                    v.put(key, unquote(value));
                }
            } else {
                if (section == null || value.isEmpty()) {
                    throw new TangentException("--config " + file + ":" + (i + 1) + ": only two levels of 'key: value' are supported");
                }
                v.put(section + "." + key, unquote(value));
            }
        }
        return new PaperConfig(file, v);
    }

    private static String unquote(String s) {
        return s.length() >= 2 && (s.startsWith("'") && s.endsWith("'") || s.startsWith("\"") && s.endsWith("\""))
                ? s.substring(1, s.length() - 1) : s;
    }

    String get(String key) {
        return values.get(key);
    }

    double number(String key) {
        String s = values.get(key);
        try {
            return Double.parseDouble(s);
        } catch (NumberFormatException e) {
            throw new TangentException("--config " + file + ": " + key + " = '" + s + "', expected a number");
        }
    }

    int integer(String key) {
        double d = number(key);
        if (d != Math.rint(d)) {
            throw new TangentException("--config " + file + ": " + key + " = " + d + ", expected an integer");
        }
        return (int) d;
    }

    boolean flag(String key) {
        String s = values.get(key).toLowerCase(java.util.Locale.ROOT);
        return switch (s) {
            case "true", "yes", "1" -> true;
            case "false", "no", "0" -> false;
            default -> throw new TangentException("--config " + file + ": " + key + " = '" + s + "', expected True or False");
        };
    }

    boolean has(String key) {
        return values.containsKey(key);
    }

    Path file() {
        return file;
    }
}
