/** The software authenticator lives in src/simulate (the simulator uses it too; src may not import test/). */
export * from '../../src/simulate/softAuthenticator.js'
