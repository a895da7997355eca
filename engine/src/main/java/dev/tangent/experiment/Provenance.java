package dev.tangent.experiment;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What every run.json records about how it was made: the tool's version and git commit (embedded at build time;
 * "unknown" outside a git checkout), the full command line, and every resolved option (given, defaulted or read
 * from a config file). The CLI builds it; callers of the Java API may pass {@link #NONE}.
 */
public record Provenance(String version, String commit, String commandLine, Map<String, Object> options) {
    public static final Provenance NONE = new Provenance("unknown", "unknown", "(Java API)", Map.of());

    /** The fields run.json gets. */
    Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        Map<String, Object> t = new LinkedHashMap<>();
        t.put("version", version);
        t.put("commit", commit);
        m.put("tangent", t);
        m.put("command_line", commandLine);
        m.put("options", options);
        return m;
    }
}
