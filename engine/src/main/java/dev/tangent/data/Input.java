package dev.tangent.data;

import dev.tangent.memory.DType;

/**
 * One data input of a run: a source, which of its samples, and the option that named it (for messages), e.g. the
 * training set of {@code --train fashion-mnist:train --classes 0,1 --train-limit 1000}.
 */
public record Input(DataSource source, Selection selection, String option) {
    /** Loads it; {@code standard} is fitted on it when {@code fitted} is null (a training set). */
    public Dataset load(DType dtype, Normalization norm, Standardization fitted) {
        return source.load(dtype, selection, norm, fitted, option);
    }

    /** Loads it as a training set (a {@code standard} normalisation is fitted on it). */
    public Dataset load(DType dtype, Normalization norm) {
        return load(dtype, norm, null);
    }
}
