// The failure converter of every client, worker and workflow bundle (runtime/temporal.ts,
// failureConverterPath): a failure's message and stack trace move into a payload, which the
// payload codec encrypts like any other (runtime/codec.ts), so an error that names a person is
// no more readable in a Temporal history than the case itself. The SDK loads it by path — with
// `require` in clients and workers, hence CommonJS; webpack compiles it into the workflow bundle.
const { DefaultFailureConverter } = require('@temporalio/common');

exports.failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
