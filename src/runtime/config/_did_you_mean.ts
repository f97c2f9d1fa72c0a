// The package's one "did you mean" implementation, as the config folder uses it.
export { didYouMean, didYouMeanSuffix, editDistance } from "../../_shared/did_you_mean.ts";
