"""Why the recommended option wins, in a sentence a reader can check against the reasons."""

from assessments.readiness.fit import Fit, label


def why_recommended(fits: dict[str, Fit], best: str) -> str:
    """The winner's score and strongest reasons for it, then the runner-up and what holds it back,
    and the options ruled out with their reason."""
    winner = fits[best]
    others = sorted(
        (fit for fit in fits.values() if fit.option != best and not fit.excluded),
        key=lambda fit: (-fit.score, list(fits).index(fit.option)),
    )
    ruled_out = [fit for fit in fits.values() if fit.excluded and fit.option != best]
    if winner.excluded:
        return "Every option is ruled out here: " + "; ".join(_strongest_against(fit) for fit in fits.values())
    sentence = f"{label(best)} fits best, with {winner.score} of 100"
    pros = [reason.text.rstrip(".") for reason in sorted(winner.reasons, key=lambda r: -r.effect) if reason.effect > 0]
    if pros:
        sentence += ": " + "; ".join(pros[:2])
    sentence += "."
    if others:
        runner = others[0]
        if runner.score == winner.score:
            sentence += (
                f" {label(runner.option)} scores the same ({runner.score}); {label(best)} comes first as the simpler."
            )
        else:
            sentence += f" Next is {label(runner.option)} with {runner.score}"
            against = [r for r in sorted(runner.reasons, key=lambda r: r.effect) if r.effect < 0]
            sentence += f", held back because: {against[0].text.rstrip('.')}." if against else "."
    if ruled_out:
        sentence += " Ruled out: " + "; ".join(_strongest_against(fit) for fit in ruled_out) + "."
    return sentence


def _strongest_against(fit: Fit) -> str:
    worst = min(fit.reasons, key=lambda reason: reason.effect, default=None)
    return f"{label(fit.option)} ({worst.text.rstrip('.')})" if worst else label(fit.option)
