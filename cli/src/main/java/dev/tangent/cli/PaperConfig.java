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
 * Only this subset of YAML and the keys of paper A's files (spec section 4.1) are accepted; anything else is a
 * one-line error naming file and line (an unknown key with the nearest known one).
 */
final class PaperConfig {
    /** The keys of paper A's config files (spec section 4.1). */
    static final List<String> KEYS = List.of("data.dataset", "data.normalize", "data.size", "model.seed", "model.width",
            "model.hidden_layer", "train_net.lr", "train_net.epochs", "train_net.lam", "train_net.batch_size", "train_net.save",
            "train_net.test_num_every_epoch", "train_net.train_svm", "train_net.train_nn");

    private final Path file;
    private final Map<String, String> values;
    private final Map<String, Integer> lines;

    private PaperConfig(Path file, Map<String, String> values, Map<String, Integer> lines) {
        this.file = file;
        this.values = values;
        this.lines = lines;
    }

    static PaperConfig read(Path file) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file);
        } catch (IOException e) {
            throw new TangentException("--config " + file + ": cannot read: " + e.getMessage(), e);
        }
        Map<String, String> v = new LinkedHashMap<>();
        Map<String, Integer> at = new LinkedHashMap<>();
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
                    continue;
                }
                section = null;
                put(file, i + 1, key, unquote(value), v, at);
            } else {
                if (section == null || value.isEmpty()) {
                    throw new TangentException("--config " + file + ":" + (i + 1) + ": only two levels of 'key: value' are supported");
                }
                put(file, i + 1, section + "." + key, unquote(value), v, at);
            }
        }
        return new PaperConfig(file, v, at);
    }

    private static void put(Path file, int line, String key, String value, Map<String, String> v, Map<String, Integer> at) {
        if (!KEYS.contains(key)) {
            String near = Suggest.nearest(key, KEYS);
            throw new TangentException("--config " + file + ":" + line + ": unknown key '" + key + "'"
                    + (near != null ? "; did you mean '" + near + "'?" : "; paper A's keys are " + String.join(", ", KEYS)));
        }
        if (v.containsKey(key)) {
            throw new TangentException("--config " + file + ":" + line + ": '" + key + "' is set twice (first on line " + at.get(key) + ")");
        }
        v.put(key, value);
        at.put(key, line);
    }

    /** "FILE:LINE: key" for messages about one value. */
    String where(String key) {
        return "--config " + file + ":" + lines.get(key) + ": " + key;
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
            throw new TangentException(where(key) + " = '" + s + "', expected a number");
        }
    }

    int integer(String key) {
        double d = number(key);
        if (d != Math.rint(d)) {
            throw new TangentException(where(key) + " = " + d + ", expected an integer");
        }
        return (int) d;
    }

    boolean flag(String key) {
        String s = values.get(key).toLowerCase(java.util.Locale.ROOT);
        return switch (s) {
            case "true", "yes", "1" -> true;
            case "false", "no", "0" -> false;
            default -> throw new TangentException(where(key) + " = '" + s + "', expected True or False");
        };
    }

    boolean has(String key) {
        return values.containsKey(key);
    }

    Path file() {
        return file;
    }
}
