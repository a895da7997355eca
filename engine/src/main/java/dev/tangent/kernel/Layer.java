package dev.tangent.kernel;

/**
 * One layer of a kernel, in neural-tangents' {@code stax} manner: a layer is described by data (a record) and carries
 * its own rules, so that one definition serves every use of it —
 * <ul>
 *   <li>the scalar covariance and tangent-kernel step of one pair ({@link #step(Cov)}), the reference every fast path
 *   is tested against, and the step of one variance alone ({@link #diagonal(double)});</li>
 *   <li>the same step with forward-mode derivatives ({@link #step(Cov.Grad)}), for attacks on kernel machines;</li>
 *   <li>the interval step ({@link #step(Cov.Box)}), for certificates;</li>
 *   <li>whether it is positively homogeneous and bias-free ({@link #homogeneous()}), which lets a whole stack of such
 *   layers be evaluated in one fitted step.</li>
 * </ul>
 * Dense layers are closed (one record); elementwise layers implement {@link Activation} and are registered in
 * {@link Layers} by name.
 */
public sealed interface Layer permits Dense, Activation {
    /** This layer as written in a kernel spec string, e.g. {@code dense(1,0.5)} or {@code relu}. */
    String token();

    /** The covariance step of one pair and both variances, in place. */
    void step(Cov s);

    /** The step of one variance alone: q entering the layer → q leaving it. */
    double diagonal(double q);

    /** {@link #step(Cov)} with forward-mode derivatives. */
    void step(Cov.Grad g);

    /** {@link #step(Cov)} on intervals: a box that contains every state → a box that contains every next state. */
    void step(Cov.Box b);

    /** Positively homogeneous of degree one and without bias: the kernel of such a stack is ‖x‖‖x′‖·G(cosine). */
    boolean homogeneous();
}
