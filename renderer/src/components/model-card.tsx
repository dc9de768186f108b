// model-card.tsx — what the current model is: architecture, parameters, quantization, context
// length, chat template, file size and the memory estimate; unload returns to the built-in model.
import { useApp } from '../store/index.js';
import { formatBytes, formatCount } from '../format.js';
import { Modal } from './modal.js';

export function ModelCard() {
  const open = useApp((s) => s.panels.modelCard);
  const m = useApp((s) => s.currentModel);
  const togglePanel = useApp((s) => s.togglePanel);
  const unload = useApp((s) => s.unloadModel);
  if (!open) return null;
  const close = () => togglePanel('modelCard', false);
  return (
    <Modal title={m ? m.name : 'No model'} onClose={close} testId="model-card">
      {!m ? <p>No model is loaded. Drop a .gguf file on the window to load one.</p> : (
        <>
          <dl className="figures card">
            <div className="figure"><dt>Architecture</dt><dd>{m.architecture}</dd></div>
            <div className="figure"><dt>Parameters</dt><dd data-testid="card-parameters">{formatCount(m.parameters)}</dd></div>
            <div className="figure"><dt>Quantization</dt><dd>{m.quantization.toUpperCase()}</dd></div>
            <div className="figure"><dt>Context length</dt><dd>{m.contextLength.toLocaleString()}</dd></div>
            <div className="figure"><dt>Layers / heads (KV)</dt><dd>{m.layers} / {m.heads} ({m.headsKv})</dd></div>
            <div className="figure"><dt>Embedding / vocabulary</dt><dd>{m.embeddingLength} / {m.vocabSize.toLocaleString()}</dd></div>
            <div className="figure"><dt>File</dt><dd title={m.path}>{formatBytes(m.fileBytes)}{m.builtin ? ' (built-in)' : ''}</dd></div>
            <div className="figure"><dt>Weights</dt><dd>{m.weights ?? '–'}{m.backend ? `, ${m.backend}` : ''}</dd></div>
          </dl>
          <h3>Memory estimate</h3>
          <p data-testid="card-memory" className={m.memory.fits ? '' : 'warning'}>
            {formatBytes(m.memory.totalBytes)} at {m.memory.nCtx.toLocaleString()} positions (weights {formatBytes(m.memory.weightsBytes)},
            KV {formatBytes(m.memory.kvBytes)}, overhead {formatBytes(m.memory.overheadBytes)}) of {formatBytes(m.memory.availableBytes)} available
            {m.memory.fits ? '' : ': does not fit'}
          </p>
          <details>
            <summary>Chat template</summary>
            <pre className="template">{m.chatTemplate ?? 'none in the file (a built-in template is used)'}</pre>
          </details>
          <p className="path">{m.path}</p>
          {!m.builtin ? <button type="button" className="button" onClick={() => { void unload(); close(); }}>Unload (back to the built-in model)</button> : null}
        </>
      )}
    </Modal>
  );
}
