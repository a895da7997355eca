package dev.tangent.network;

import dev.tangent.memory.DType;
import dev.tangent.memory.Matrix;

import java.util.List;

/** What the three paper-B models share: their shapes, parameters, workspace and closing. */
abstract sealed class ModelBase implements FiniteWidthModel permits RandomFeaturesModel, NeuralTangentModel, MeanFieldNetwork {
    final int d;
    final int width;
    final int outputs;
    final DType dtype;
    final Workspace work;
    /** Set by the subclass constructor: the trainable parameters, then anything else the model owns. */
    List<Parameter> params;
    List<Matrix> owned;

    ModelBase(int d, int width, int outputs, DType dtype) {
        this.d = d;
        this.width = width;
        this.outputs = outputs;
        this.dtype = dtype;
        this.work = new Workspace(dtype);
    }

    @Override
    public int inputDim() {
        return d;
    }

    @Override
    public int width() {
        return width;
    }

    @Override
    public int outputs() {
        return outputs;
    }

    @Override
    public DType dtype() {
        return dtype;
    }

    @Override
    public List<Parameter> parameters() {
        return params;
    }

    @Override
    public void close() {
        work.close();
        params.forEach(p -> p.value().close());
        owned.forEach(Matrix::close);
    }
}
