/*
 * fo_binary_loss_impl.h -- the binary per-sample losses for one floating type.
 * fo_loss_inline.h includes it twice: FO_LT = double with FO_LSUF(name) = name,
 * and FO_LT = float with FO_LSUF(name) = name##_f32 (FO_LEXP_NEG and
 * FO_LLOG1P_UNIT the matching fo_math.h functions).
 *
 * Each takes the score z and the label y and returns l(z) with *dz = dl/dz.
 * They are branch-free (selects only), so a loop over samples vectorizes.
 */

/* l = (z - y)^2 / 2,  dl/dz = z - y */
FO_INLINE FO_LT FO_LSUF(fo_squared_loss)(FO_LT z, FO_LT y, FO_LT *dz)
{
    FO_LT r = z - y;
    *dz = r;
    return (FO_LT)0.5 * r * r;
}

/* l = log(1 + exp(-m)) with m = y z, written log1p(exp(-|m|)) + max(-m, 0);
 * dl/dz = -y sigmoid(-m), with sigmoid(-m) = e / (1 + e) for m >= 0 and
 * 1 / (1 + e) for m < 0, where e = exp(-|m|) <= 1 never overflows. */
FO_INLINE FO_LT FO_LSUF(fo_logistic_loss)(FO_LT z, FO_LT y, FO_LT *dz)
{
    FO_LT m = y * z;
    FO_LT e = FO_LEXP_NEG(m < 0 ? -m : m);
    FO_LT inv = (FO_LT)1 / ((FO_LT)1 + e);
    FO_LT s = (m >= 0) ? e * inv : inv;
    *dz = -y * s;
    return FO_LLOG1P_UNIT(e) + (m < 0 ? -m : (FO_LT)0);
}

/* l = max(0, 1 - y z); subgradient -y where 1 - y z > 0, else 0 */
FO_INLINE FO_LT FO_LSUF(fo_hinge_loss)(FO_LT z, FO_LT y, FO_LT *dz)
{
    FO_LT slack = (FO_LT)1 - y * z;
    int active = slack > 0;
    *dz = active ? -y : (FO_LT)0;
    return active ? slack : (FO_LT)0;
}

/* l = max(0, 1 - y z)^2; dl/dz = -2 y max(0, 1 - y z) */
FO_INLINE FO_LT FO_LSUF(fo_squared_hinge_loss)(FO_LT z, FO_LT y, FO_LT *dz)
{
    FO_LT slack = (FO_LT)1 - y * z;
    FO_LT s = slack > 0 ? slack : (FO_LT)0;
    *dz = (FO_LT)-2 * y * s;
    return s * s;
}

/* Dispatch for the binary losses; `loss` is a compile-time constant wherever
 * the kernels call this, so the switch folds away. */
FO_INLINE FO_LT FO_LSUF(fo_binary_loss)(int loss, FO_LT z, FO_LT y, FO_LT *dz)
{
    switch (loss) {
    case FO_LOSS_SQUARED: return FO_LSUF(fo_squared_loss)(z, y, dz);
    case FO_LOSS_LOGISTIC: return FO_LSUF(fo_logistic_loss)(z, y, dz);
    case FO_LOSS_HINGE: return FO_LSUF(fo_hinge_loss)(z, y, dz);
    default: return FO_LSUF(fo_squared_hinge_loss)(z, y, dz);
    }
}
