// The package's one "did you mean" implementation, as the CLI uses it.
export { didYouMean, didYouMeanSuffix, editDistance } from "../_shared/did_you_mean.ts";
