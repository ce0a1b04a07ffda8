// Callbacks for fit/evaluate: the base class and list, earlyStopping, modelCheckpoint,
// reduceLROnPlateau and csvLogger. The History that fit returns lives in engine/.

export * from './callback.js';
export * from './csv-logger.js';
export * from './early-stopping.js';
export * from './model-checkpoint.js';
export * from './monitor.js';
export * from './reduce-lr-on-plateau.js';
