package dev.tangent.data;

import dev.tangent.TangentException;

/**
 * Which samples of a source to keep, in the source's order: an optional binary class pair (A → −1, B → +1) and an
 * optional limit (the first N samples after the class filter).
 *
 * @param classA first class id (mapped to −1), or null for no class filter
 * @param classB second class id (mapped to +1)
 * @param limit  first N after filtering, or −1 for all
 */
public record Selection(Double classA, Double classB, int limit) {
    public static final Selection ALL = new Selection(null, null, -1);

    public Selection {
        if ((classA == null) != (classB == null)) {
            throw new IllegalArgumentException("both classes or none");
        }
        if (limit == 0 || limit < -1) {
            throw new TangentException("--limit must be a positive number of samples, found " + limit);
        }
        if (classA != null && classA.equals(classB)) {
            throw new TangentException("--classes needs two different classes, found " + fmt(classA) + "," + fmt(classB));
        }
    }

    /** Parses {@code --classes A,B} (null or blank: no filter). */
    public static Selection of(String classes, int limit) {
        if (classes == null || classes.isBlank()) {
            return new Selection(null, null, limit);
        }
        String[] parts = classes.split(",");
        if (parts.length != 2) {
            throw new TangentException("--classes " + classes + ": expected two class labels A,B (A -> -1, B -> +1)");
        }
        try {
            return new Selection(Double.parseDouble(parts[0].trim()), Double.parseDouble(parts[1].trim()), limit);
        } catch (NumberFormatException e) {
            throw new TangentException("--classes " + classes + ": expected two numeric class labels A,B");
        }
    }

    public boolean filtersClasses() {
        return classA != null;
    }

    /** The ±1 target of a class id, or NaN when the id is neither class. */
    public double target(double label) {
        if (label == classA) {
            return -1;
        }
        return label == classB ? 1 : Double.NaN;
    }

    /** Indices (ascending) of the rows to keep, given all labels of the source; checks both classes occur. */
    public int[] rows(double[] labels, String source) {
        if (!filtersClasses()) {
            int n = limit < 0 ? labels.length : Math.min(limit, labels.length);
            int[] idx = new int[n];
            for (int i = 0; i < n; i++) {
                idx[i] = i;
            }
            return idx;
        }
        int countA = 0;
        int countB = 0;
        for (double l : labels) {
            countA += l == classA ? 1 : 0;
            countB += l == classB ? 1 : 0;
        }
        if (countA == 0 || countB == 0) {
            throw new TangentException("--classes " + fmt(classA) + "," + fmt(classB) + ": class "
                    + fmt(countA == 0 ? classA : classB) + " does not occur in " + source + " (labels found: "
                    + distinct(labels) + ")");
        }
        int total = countA + countB;
        int n = limit < 0 ? total : Math.min(limit, total);
        int[] idx = new int[n];
        int k = 0;
        for (int i = 0; i < labels.length && k < n; i++) {
            if (labels[i] == classA || labels[i] == classB) {
                idx[k++] = i;
            }
        }
        return idx;
    }

    /** A short description for logs, e.g. "classes 0,1, first 300". */
    public String describe() {
        String s = filtersClasses() ? "classes " + fmt(classA) + "," + fmt(classB) : "";
        if (limit > 0) {
            s += (s.isEmpty() ? "" : ", ") + "first " + limit;
        }
        return s;
    }

    /**
     * A description with the number of samples actually selected, e.g. "classes 0,1, first 300" or, when the limit
     * exceeds what the source has, "all 200 (limit 100000)".
     */
    public String describe(int found) {
        String s = filtersClasses() ? "classes " + fmt(classA) + "," + fmt(classB) : "";
        if (limit > 0) {
            s += (s.isEmpty() ? "" : ", ") + (found < limit ? "all " + found + " (limit " + limit + ")" : "first " + limit);
        }
        return s;
    }

    /** The class pair as "A,B", or null without a class filter. */
    public String classes() {
        return filtersClasses() ? fmt(classA) + "," + fmt(classB) : null;
    }

    /** The same classes with another limit (−1: all). */
    public Selection withLimit(int n) {
        return new Selection(classA, classB, n);
    }

    static String fmt(double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
    }

    private static String distinct(double[] labels) {
        java.util.TreeSet<Double> s = new java.util.TreeSet<>();
        for (double l : labels) {
            s.add(l);
            if (s.size() > 20) {
                break;
            }
        }
        StringBuilder sb = new StringBuilder();
        for (double v : s) {
            sb.append(sb.isEmpty() ? "" : " ").append(fmt(v));
        }
        return s.size() > 20 ? sb + " ..." : sb.toString();
    }
}
