export { SecretBox } from './SecretBox.js'
