export * from './demo-report';
